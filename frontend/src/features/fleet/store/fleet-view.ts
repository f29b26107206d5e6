import { rootDisk } from '@/lib/metrics';
import type { TileState } from './fleet-store';

export type SortKey = 'name' | 'cpu' | 'memory' | 'disk';

export const SORT_OPTIONS: { value: SortKey; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'cpu', label: 'CPU (highest first)' },
  { value: 'memory', label: 'Memory (highest first)' },
  { value: 'disk', label: 'Disk (highest first)' },
];

export function isSortKey(value: string): value is SortKey {
  return SORT_OPTIONS.some((o) => o.value === value);
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function metric(tile: TileState, key: Exclude<SortKey, 'name'>): number {
  const s = tile.latest;
  if (!s) return -1;
  if (key === 'cpu') return s.cpu.percent;
  if (key === 'memory') return s.memory.percent;
  return rootDisk(s)?.percent ?? -1;
}

function matches(tile: TileState, needle: string): boolean {
  const h = tile.host;
  return (
    h.hostname.toLowerCase().includes(needle) ||
    h.os.toLowerCase().includes(needle) ||
    h.addresses.some((a) => a.toLowerCase().includes(needle))
  );
}

/** The fleet's group filter: every host, or the hosts of one group (by id). */
export type GroupFilter = 'all' | number;

export function parseGroupFilter(value: string): GroupFilter {
  const id = Number(value);
  return value !== 'all' && Number.isInteger(id) && id > 0 ? id : 'all';
}

/** Host ids to show, filtered by group and by name, OS or address, in the chosen order. */
export function visibleHostIds(tiles: TileState[], search: string, sort: SortKey, group: GroupFilter = 'all'): string[] {
  const needle = search.trim().toLowerCase();
  const shown = tiles.filter(
    (t) => (group === 'all' || t.host.groups.some((g) => g.id === group)) && (!needle || matches(t, needle)),
  );
  const byName = (a: TileState, b: TileState) =>
    collator.compare(a.host.hostname, b.host.hostname) || a.host.id.localeCompare(b.host.id);
  if (sort === 'name') shown.sort(byName);
  else shown.sort((a, b) => metric(b, sort) - metric(a, sort) || byName(a, b));
  return shown.map((t) => t.host.id);
}
