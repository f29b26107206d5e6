import type uPlot from 'uplot';
import type { ChartSeries } from '@/components/ui/TimeSeriesChart';
import { isLoopback } from '@/lib/metrics';
import type { Sample } from '@/types/api';

export const PALETTE = ['#38bdf8', '#a78bfa', '#f472b6', '#34d399', '#fbbf24', '#fb923c', '#60a5fa', '#e879f9'] as const;

/** More lines than this turn a chart into noise: the busiest devices are drawn. */
export const MAX_DEVICES = 6;

export interface ChartModel {
  series: ChartSeries[];
  data: uPlot.AlignedData;
  /** Devices left out for being quieter than the ones drawn. */
  hidden: number;
}

function color(i: number): string {
  return PALETTE[i % PALETTE.length] ?? PALETTE[0];
}

function xs(samples: Sample[]): number[] {
  return samples.map((s) => s.ts / 1000);
}

export function cpuChart(samples: Sample[]): ChartModel {
  return {
    series: [
      { label: 'Total', color: '#38bdf8', fill: true },
      { label: 'User', color: '#34d399' },
      { label: 'System', color: '#f472b6' },
      { label: 'I/O wait', color: '#fbbf24' },
    ],
    data: [
      xs(samples),
      samples.map((s) => s.cpu.percent),
      samples.map((s) => s.cpu.user),
      samples.map((s) => s.cpu.system),
      samples.map((s) => s.cpu.iowait),
    ],
    hidden: 0,
  };
}

export function memoryChart(samples: Sample[]): ChartModel {
  return {
    series: [
      { label: 'Used', color: '#a78bfa', fill: true },
      { label: 'Cached', color: '#60a5fa' },
      { label: 'Available', color: '#34d399' },
    ],
    data: [
      xs(samples),
      samples.map((s) => s.memory.used),
      samples.map((s) => s.memory.cached),
      samples.map((s) => s.memory.available),
    ],
    hidden: 0,
  };
}

export function loadChart(samples: Sample[]): ChartModel {
  return {
    series: [
      { label: '1 min', color: '#38bdf8' },
      { label: '5 min', color: '#a78bfa' },
      { label: '15 min', color: '#fbbf24' },
    ],
    data: [
      xs(samples),
      samples.map((s) => s.load.load1),
      samples.map((s) => s.load.load5),
      samples.map((s) => s.load.load15),
    ],
    hidden: 0,
  };
}

/**
 * One chart with two lines per device (in solid, out dashed), for the busiest devices over
 * the window; `pick` returns a sample's readings by device name.
 */
function perDeviceChart(
  samples: Sample[],
  pick: (s: Sample) => { name: string; a: number; b: number }[],
  labels: [string, string],
): ChartModel {
  const traffic = new Map<string, number>();
  const bySample = samples.map((s) => {
    const readings = new Map<string, { a: number; b: number }>();
    for (const r of pick(s)) {
      readings.set(r.name, { a: r.a, b: r.b });
      traffic.set(r.name, (traffic.get(r.name) ?? 0) + r.a + r.b);
    }
    return readings;
  });
  const busiest = [...traffic.entries()]
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .slice(0, MAX_DEVICES)
    .map(([name]) => name)
    .sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));

  const series: ChartSeries[] = [];
  const data: (number | null)[][] = [];
  busiest.forEach((name, i) => {
    series.push({ label: `${name} ${labels[0]}`, color: color(i) });
    series.push({ label: `${name} ${labels[1]}`, color: color(i), dash: [4, 3] });
    data.push(bySample.map((m) => m.get(name)?.a ?? null));
    data.push(bySample.map((m) => m.get(name)?.b ?? null));
  });
  return { series, data: [xs(samples), ...data], hidden: traffic.size - busiest.length };
}

export function networkChart(samples: Sample[]): ChartModel {
  return perDeviceChart(
    samples,
    (s) => s.net.filter((n) => !isLoopback(n.iface)).map((n) => ({ name: n.iface, a: n.rx_bps, b: n.tx_bps })),
    ['rx', 'tx'],
  );
}

export function diskIoChart(samples: Sample[]): ChartModel {
  return perDeviceChart(
    samples,
    (s) => s.disk_io.map((d) => ({ name: d.device, a: d.read_bps, b: d.write_bps })),
    ['read', 'write'],
  );
}
