import type { HostHistory, Sample } from '@/types/api';

/**
 * Live samples and history answers in one shape, named like the hub's history series
 * ("cpu", "core.0", "mem.used", "net.eth0.rx", …), so one set of charts draws both.
 */
export interface SeriesFrame {
  /** unix seconds, ascending */
  x: number[];
  avg: Map<string, (number | null)[]>;
  /** Per-bucket maxima: history only. */
  max: Map<string, (number | null)[]> | null;
}

/** A silence longer than this many collection intervals is drawn as a gap, not a line across it. */
const GAP_INTERVALS = 3;

/** Live-only series: the history tiers do not keep them. */
export const CTX_SWITCHES = 'ctx_switches';
export const INTERRUPTS = 'interrupts';

function flatten(s: Sample, put: (key: string, value: number) => void): void {
  const { cpu, memory, swap, load } = s;
  put('cpu', cpu.percent);
  put('cpu.user', cpu.user);
  put('cpu.system', cpu.system);
  put('cpu.iowait', cpu.iowait);
  put('cpu.steal', cpu.steal);
  if (typeof cpu.ctx_switches_ps === 'number') put(CTX_SWITCHES, cpu.ctx_switches_ps);
  if (typeof cpu.interrupts_ps === 'number') put(INTERRUPTS, cpu.interrupts_ps);
  put('load1', load.load1);
  put('load5', load.load5);
  put('load15', load.load15);
  put('mem.used', memory.used);
  put('mem.available', memory.available);
  put('mem.cached', memory.cached);
  put('mem.buffers', memory.buffers);
  put('mem.percent', memory.percent);
  put('swap.used', swap.used);
  put('swap.percent', swap.percent);
  cpu.per_core.forEach((v, i) => put(`core.${i}`, v));
  for (const d of s.disks) {
    put(`disk.${d.mount}.used`, d.used);
    put(`disk.${d.mount}.percent`, d.percent);
  }
  for (const io of s.disk_io) {
    put(`io.${io.device}.read`, io.read_bps);
    put(`io.${io.device}.write`, io.write_bps);
    put(`io.${io.device}.busy`, io.busy_pct);
  }
  for (const n of s.net) {
    put(`net.${n.iface}.rx`, n.rx_bps);
    put(`net.${n.iface}.tx`, n.tx_bps);
  }
}

/** `samples` ascending by ts. */
export function frameFromSamples(samples: Sample[], intervalMs: number): SeriesFrame {
  const gapMs = GAP_INTERVALS * Math.max(intervalMs, 1000);
  const x: number[] = [];
  const rowOf: number[] = [];
  let prev: number | null = null;
  for (const s of samples) {
    if (prev !== null && s.ts - prev > gapMs) x.push((prev + intervalMs) / 1000);
    rowOf.push(x.length);
    x.push(s.ts / 1000);
    prev = s.ts;
  }
  const avg = new Map<string, (number | null)[]>();
  samples.forEach((s, i) => {
    const row = rowOf[i] ?? 0;
    flatten(s, (key, value) => {
      let column = avg.get(key);
      if (!column) {
        column = new Array<number | null>(x.length).fill(null);
        avg.set(key, column);
      }
      column[row] = value;
    });
  });
  return { x, avg, max: null };
}

export function frameFromHistory(history: HostHistory): SeriesFrame {
  const avg = new Map<string, (number | null)[]>();
  const max = new Map<string, (number | null)[]>();
  for (const [key, series] of Object.entries(history.series)) {
    avg.set(key, series.avg);
    max.set(key, series.max);
  }
  return { x: history.ts.map((t) => t / 1000), avg, max };
}

/** Names between a prefix and a suffix: `names(frame, "net.", ".rx")` lists interfaces. */
export function names(frame: SeriesFrame, prefix: string, suffix: string): string[] {
  const out: string[] = [];
  for (const key of frame.avg.keys()) {
    if (key.length > prefix.length + suffix.length && key.startsWith(prefix) && key.endsWith(suffix)) {
      out.push(key.slice(prefix.length, key.length - suffix.length));
    }
  }
  return out.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

export function column(frame: SeriesFrame, key: string): (number | null)[] {
  return frame.avg.get(key) ?? new Array<number | null>(frame.x.length).fill(null);
}

export function total(values: (number | null)[]): number {
  let sum = 0;
  for (const v of values) if (v !== null) sum += v;
  return sum;
}
