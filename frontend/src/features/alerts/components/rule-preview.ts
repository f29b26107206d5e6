import type { Comparison, RuleSource } from '@/types/alerts';
import type { Host, Sample } from '@/types/api';

// "Would fire on N hosts right now", computed from the latest sample of each host the user sees
// (the hub has no preview endpoint). It answers whether the condition holds now, not whether it
// has held for the rule's duration: that history lives only in the hub's engine.

type Series = [key: string, value: number][];

/** Mirrors hub/everyst_hub/alerts/metrics.py: each metric's series out of a sample. */
const READERS: Record<string, { family: string; read: (s: Sample) => Series | null }> = {
  'cpu.percent': { family: 'cpu', read: (s) => [['', s.cpu.percent]] },
  'cpu.core': { family: 'cpu', read: (s) => s.cpu.per_core.map((v, i) => [String(i), v]) },
  'cpu.iowait': { family: 'cpu', read: (s) => [['', s.cpu.iowait]] },
  'cpu.steal': { family: 'cpu', read: (s) => [['', s.cpu.steal]] },
  'memory.percent': { family: 'memory', read: (s) => [['', s.memory.percent]] },
  'swap.percent': { family: 'memory', read: (s) => (s.swap.total ? [['', s.swap.percent]] : []) },
  'load.per_core': { family: 'load', read: (s) => [['', s.load.load1 / (s.cpu.per_core.length || 1)]] },
  'disk.percent': { family: 'disks', read: (s) => s.disks.map((d) => [d.mount, d.percent]) },
  'disk.inodes_percent': {
    family: 'disks',
    read: (s) => s.disks.filter((d) => d.inodes_total && d.inodes_percent !== null).map((d) => [d.mount, d.inodes_percent ?? 0]),
  },
  'disk_io.busy_pct': { family: 'disk_io', read: (s) => s.disk_io.map((d) => [d.device, d.busy_pct]) },
  'net.rx_bps': { family: 'net', read: (s) => s.net.map((n) => [n.iface, n.rx_bps]) },
  'net.tx_bps': { family: 'net', read: (s) => s.net.map((n) => [n.iface, n.tx_bps]) },
  temperature: {
    family: 'sensors',
    read: (s) => s.sensors.temperatures.map((t) => [`${t.chip}/${t.label}`, t.current]),
  },
  // Sent on slow ticks only: a sample without the list says nothing about failed units.
  'systemd.failed_units': { family: 'systemd', read: (s) => (s.failed_units ? [['', s.failed_units.length]] : null) },
};

/** Python's fnmatch.fnmatchcase: `*`, `?`, `[seq]`, `[!seq]`, on the whole key. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      else if (body.startsWith('^')) body = `\\${body}`;
      out += `[${body}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

export interface PreviewInput {
  source: RuleSource;
  metric: string;
  match: string;
  exclude: string[];
  comparison: Comparison;
  threshold: number;
  host: string | null;
  group: number | null;
}

export interface Preview {
  /** Hosts in scope whose latest sample breaches the condition now. */
  breaching: string[];
  /** Hosts in scope with no usable latest sample for this metric. */
  unknown: number;
  inScope: number;
}

/** Null when the metric is one this dashboard cannot read from a sample (a newer hub's). */
export function previewRule(rule: PreviewInput, hosts: Host[]): Preview | null {
  const scoped = hosts.filter((h) =>
    rule.host !== null ? h.id === rule.host : rule.group !== null ? h.groups.some((g) => g.id === rule.group) : true,
  );
  if (rule.source === 'host_offline') {
    return { breaching: scoped.filter((h) => !h.online).map((h) => h.hostname), unknown: 0, inScope: scoped.length };
  }
  const reader = READERS[rule.metric];
  if (!reader || !Number.isFinite(rule.threshold)) return null;
  const match = rule.match ? globToRegExp(rule.match) : null;
  const exclude = rule.exclude.filter(Boolean).map(globToRegExp);
  const breaching: string[] = [];
  let unknown = 0;
  for (const host of scoped) {
    const sample = host.online ? host.latest : null;
    const series = sample && !sample.unavailable.includes(reader.family) ? reader.read(sample) : null;
    if (series === null) {
      unknown += 1;
      continue;
    }
    const hit = series.some(
      ([key, value]) =>
        (match === null || match.test(key)) && !exclude.some((e) => e.test(key)) && compare(value, rule.comparison, rule.threshold),
    );
    if (hit) breaching.push(host.hostname);
  }
  return { breaching, unknown, inScope: scoped.length };
}
