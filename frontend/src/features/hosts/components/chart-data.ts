import type uPlot from 'uplot';
import type { ChartSeries } from '@/components/ui/TimeSeriesChart';
import { isLoopback } from '@/lib/metrics';
import { CTX_SWITCHES, INTERRUPTS, column, names, total, type SeriesFrame } from './series-frame';

export const PALETTE = ['#38bdf8', '#a78bfa', '#f472b6', '#34d399', '#fbbf24', '#fb923c', '#60a5fa', '#e879f9'] as const;

/** More lines (or charts) than this turn a panel into noise: the busiest devices are drawn. */
export const MAX_DEVICES = 8;

export interface ChartModel {
  series: ChartSeries[];
  data: uPlot.AlignedData;
  /** Devices left out for being quieter than the ones drawn. */
  hidden: number;
  /** A stack: `data` holds running totals (first series on top), `values` each series' own. */
  stack?: { values: (number | null)[][] };
}

export interface DeviceChart {
  name: string;
  model: ChartModel;
}

export interface DeviceCharts {
  charts: DeviceChart[];
  hidden: number;
  /** Devices with no traffic at all in the window: folded into one line. */
  idle: DeviceChart[];
}

function color(i: number): string {
  return PALETTE[i % PALETTE.length] ?? PALETTE[0];
}

function model(frame: SeriesFrame, lines: { key: string; series: ChartSeries }[]): ChartModel {
  const present = lines.filter((l) => frame.avg.has(l.key));
  return {
    series: present.map((l) => l.series),
    data: [frame.x, ...present.map((l) => column(frame, l.key))],
    hidden: 0,
  };
}

export function cpuChart(frame: SeriesFrame): ChartModel {
  const m = model(frame, [
    { key: 'cpu', series: { label: 'Total', color: '#38bdf8', fill: true } },
    { key: 'cpu.user', series: { label: 'User', color: '#34d399' } },
    { key: 'cpu.system', series: { label: 'System', color: '#f472b6' } },
    { key: 'cpu.iowait', series: { label: 'I/O wait', color: '#fbbf24' } },
    { key: 'cpu.steal', series: { label: 'Steal', color: '#fb923c' } },
  ]);
  const peak = frame.max?.get('cpu');
  if (!peak) return m;
  return {
    series: [...m.series, { label: 'Total (peak)', color: '#38bdf8', faint: true }],
    data: [frame.x, ...m.data.slice(1), peak],
    hidden: 0,
  };
}

/**
 * Memory as a stack that adds up to the total: used, cached, buffers and free (what is left),
 * so the large "available" line no longer squashes "used" at the bottom of the chart.
 */
export function memoryChart(frame: SeriesFrame, total: number): ChartModel {
  const used = column(frame, 'mem.used');
  if (!frame.avg.has('mem.used')) return { series: [], data: [frame.x], hidden: 0 };
  const cached = column(frame, 'mem.cached');
  const buffers = column(frame, 'mem.buffers');
  const free = used.map((u, i) => {
    if (u === null || !(total > 0)) return null;
    return Math.max(0, total - u - (cached[i] ?? 0) - (buffers[i] ?? 0));
  });
  const layers = [
    { label: 'Used', color: '#a78bfa', values: used },
    { label: 'Cached', color: '#60a5fa', values: cached },
    { label: 'Buffers', color: '#fbbf24', values: buffers },
    { label: 'Free', color: '#34d399', values: free },
  ].filter((l) => l.label !== 'Free' || total > 0);
  // Running totals from the bottom (used) up; drawn top first so each fills down to the next.
  const sums: (number | null)[][] = [];
  let below: (number | null)[] = used.map(() => 0);
  for (const layer of layers) {
    const sum = layer.values.map((v, i) => (v === null || below[i] === null ? null : (below[i] ?? 0) + v));
    sums.push(sum);
    below = sum;
  }
  const top = [...layers].reverse();
  return {
    series: top.map((l) => ({ label: l.label, color: l.color, fill: true })),
    data: [frame.x, ...[...sums].reverse()],
    hidden: 0,
    stack: { values: top.map((l) => l.values) },
  };
}

export function swapChart(frame: SeriesFrame): ChartModel {
  return model(frame, [{ key: 'swap.used', series: { label: 'Used', color: '#f472b6', fill: true } }]);
}

export function loadChart(frame: SeriesFrame): ChartModel {
  return model(frame, [
    { key: 'load1', series: { label: '1 min', color: '#38bdf8' } },
    { key: 'load5', series: { label: '5 min', color: '#a78bfa' } },
    { key: 'load15', series: { label: '15 min', color: '#fbbf24' } },
  ]);
}

export function kernelChart(frame: SeriesFrame): ChartModel {
  return model(frame, [
    { key: CTX_SWITCHES, series: { label: 'Context switches/s', color: '#38bdf8' } },
    { key: INTERRUPTS, series: { label: 'Interrupts/s', color: '#fbbf24' } },
  ]);
}

/** The busiest devices (by the sum of both series over the window), then sorted by name. */
function busiest(frame: SeriesFrame, devices: string[], keys: (name: string) => string[]): { shown: string[]; hidden: number } {
  const ranked = devices
    .map((name) => ({ name, traffic: keys(name).reduce((sum, k) => sum + total(column(frame, k)), 0) }))
    .sort((a, b) => b.traffic - a.traffic || a.name.localeCompare(b.name));
  const shown = ranked
    .slice(0, MAX_DEVICES)
    .map((r) => r.name)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { shown, hidden: devices.length - shown.length };
}

/**
 * One receive/transmit chart per interface (loopback left out: it is not network I/O);
 * interfaces without any traffic in the window are set apart, to be folded into one line.
 */
export function networkCharts(frame: SeriesFrame): DeviceCharts {
  const ifaces = names(frame, 'net.', '.rx').filter((i) => !isLoopback(i));
  const traffic = (i: string) => total(column(frame, `net.${i}.rx`)) + total(column(frame, `net.${i}.tx`));
  const busy = ifaces.filter((i) => traffic(i) > 0);
  const { shown, hidden } = busiest(frame, busy, (i) => [`net.${i}.rx`, `net.${i}.tx`]);
  const chart = (name: string): DeviceChart => ({
    name,
    model: model(frame, [
      { key: `net.${name}.rx`, series: { label: 'Receive', color: '#34d399', fill: true } },
      { key: `net.${name}.tx`, series: { label: 'Transmit', color: '#38bdf8' } },
    ]),
  });
  return { charts: shown.map(chart), hidden, idle: ifaces.filter((i) => traffic(i) <= 0).map(chart) };
}

/** One read/write chart per disk. */
export function diskIoCharts(frame: SeriesFrame): DeviceCharts {
  const devices = names(frame, 'io.', '.read');
  const { shown, hidden } = busiest(frame, devices, (d) => [`io.${d}.read`, `io.${d}.write`]);
  return {
    charts: shown.map((name) => ({
      name,
      model: model(frame, [
        { key: `io.${name}.read`, series: { label: 'Read', color: '#34d399', fill: true } },
        { key: `io.${name}.write`, series: { label: 'Write', color: '#f472b6' } },
      ]),
    })),
    hidden,
    idle: [],
  };
}

/** One line per device (`prefix<name>suffix`), the busiest MAX_DEVICES of them. */
function linePerDevice(frame: SeriesFrame, prefix: string, suffix: string): ChartModel {
  const devices = names(frame, prefix, suffix);
  const { shown, hidden } = busiest(frame, devices, (d) => [`${prefix}${d}${suffix}`]);
  const m = model(
    frame,
    shown.map((name, i) => ({ key: `${prefix}${name}${suffix}`, series: { label: name, color: color(i) } })),
  );
  return { ...m, hidden };
}

export function diskBusyChart(frame: SeriesFrame): ChartModel {
  return linePerDevice(frame, 'io.', '.busy');
}

export function diskUsageChart(frame: SeriesFrame): ChartModel {
  return linePerDevice(frame, 'disk.', '.percent');
}

export interface CoreRows {
  labels: string[];
  rows: (number | null)[][];
}

export function coreRows(frame: SeriesFrame): CoreRows {
  const cores = names(frame, 'core.', '');
  return { labels: cores.map((c) => `cpu${c}`), rows: cores.map((c) => column(frame, `core.${c}`)) };
}
