import { parseIso } from '@/lib/format';
import { rootDisk, totalNet, type HostStatus } from '@/lib/metrics';
import type { TileState } from './fleet-store';

export type SortKey = 'name' | 'state' | 'cpu' | 'memory' | 'disk' | 'load' | 'network' | 'last-seen';

export const SORT_OPTIONS: { value: SortKey; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'state', label: 'State (offline first)' },
  { value: 'cpu', label: 'CPU (highest first)' },
  { value: 'memory', label: 'Memory (highest first)' },
  { value: 'disk', label: 'Disk (highest first)' },
  { value: 'load', label: 'Load (highest first)' },
  { value: 'network', label: 'Network (busiest first)' },
  { value: 'last-seen', label: 'Last seen (oldest first)' },
];

/** A guard for the values of a list of options. */
function isOptionOf<T extends string>(options: readonly { value: T }[]) {
  return (value: string): value is T => options.some((o) => o.value === value);
}

export const isSortKey = isOptionOf(SORT_OPTIONS);

/** Sorting by these follows live samples, so the grid re-sorts on a timer rather than per sample. */
export function isLiveSort(sort: SortKey): boolean {
  return sort !== 'name' && sort !== 'state';
}

export type StateFilter = 'all' | HostStatus;

export const STATE_OPTIONS: { value: StateFilter; label: string }[] = [
  { value: 'all', label: 'All states' },
  { value: 'online', label: 'Online' },
  { value: 'stale', label: 'Stale' },
  { value: 'offline', label: 'Offline' },
];

export const isStateFilter = isOptionOf(STATE_OPTIONS);

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

const STATE_RANK: Record<HostStatus, number> = { offline: 0, stale: 1, online: 2 };

/** The newest evidence of life: this tab's last sample, or the hub's last_seen. */
export function lastSeenAt(tile: TileState): number | null {
  const hub = parseIso(tile.host.last_seen);
  if (tile.lastSampleAt === null) return hub;
  return hub === null ? tile.lastSampleAt : Math.max(hub, tile.lastSampleAt);
}

/** The live values hosts are sorted by, in the cards' order and the table's columns. */
type LiveValue = 'cpu' | 'memory' | 'disk' | 'load' | 'network' | 'rx' | 'tx' | 'uptime';

/** A host's value from its newest sample; null without one. */
function liveValue(tile: TileState, key: LiveValue): number | null {
  const s = tile.latest;
  if (!s) return null;
  switch (key) {
    case 'cpu':
      return s.cpu.percent;
    case 'memory':
      return s.memory.percent;
    case 'disk':
      return rootDisk(s)?.percent ?? null;
    case 'load':
      return s.load.load1;
    case 'network': {
      const net = totalNet(s);
      return net.rx + net.tx;
    }
    case 'rx':
      return tile.rx;
    case 'tx':
      return tile.tx;
    case 'uptime':
      return s.uptime;
  }
}

/** Higher sorts first; hosts without data sort last. */
function metric(tile: TileState, key: Exclude<SortKey, 'name' | 'state' | 'last-seen'>): number {
  return liveValue(tile, key) ?? -1;
}

function matches(tile: TileState, needle: string): boolean {
  const h = tile.host;
  return (
    h.hostname.toLowerCase().includes(needle) ||
    h.os.toLowerCase().includes(needle) ||
    h.addresses.some((a) => a.toLowerCase().includes(needle)) ||
    h.groups.some((g) => g.name.toLowerCase().includes(needle))
  );
}

/** The fleet's group filter: every host, or the hosts of one group (by id). */
export type GroupFilter = 'all' | number;

export function parseGroupFilter(value: string): GroupFilter {
  const id = Number(value);
  return value !== 'all' && Number.isInteger(id) && id > 0 ? id : 'all';
}

export interface FleetFilter {
  search: string;
  sort: SortKey;
  group?: GroupFilter;
  state?: StateFilter;
}

/** Host ids to show, filtered by group, state and name/OS/address/group name, in the chosen order. */
export function visibleHostIds(tiles: TileState[], { search, sort, group = 'all', state = 'all' }: FleetFilter): string[] {
  const needle = search.trim().toLowerCase();
  const shown = tiles.filter(
    (t) =>
      (group === 'all' || t.host.groups.some((g) => g.id === group)) &&
      (state === 'all' || t.status === state) &&
      (!needle || matches(t, needle)),
  );
  const byName = (a: TileState, b: TileState) =>
    collator.compare(a.host.hostname, b.host.hostname) || a.host.id.localeCompare(b.host.id);
  switch (sort) {
    case 'name':
      shown.sort(byName);
      break;
    case 'state':
      shown.sort((a, b) => STATE_RANK[a.status] - STATE_RANK[b.status] || byName(a, b));
      break;
    case 'last-seen':
      // Never seen first, then the longest silent.
      shown.sort((a, b) => (lastSeenAt(a) ?? -1) - (lastSeenAt(b) ?? -1) || byName(a, b));
      break;
    default:
      shown.sort((a, b) => metric(b, sort) - metric(a, sort) || byName(a, b));
  }
  return shown.map((t) => t.host.id);
}

/** Columns of the fleet's table view, each sortable. */
export type TableColumn = 'name' | 'cpu' | 'memory' | 'disk' | 'rx' | 'tx' | 'load' | 'uptime' | 'alerts';

export const TABLE_COLUMNS: { key: TableColumn; label: string; numeric: boolean }[] = [
  { key: 'name', label: 'Host', numeric: false },
  { key: 'cpu', label: 'CPU', numeric: true },
  { key: 'memory', label: 'Memory', numeric: true },
  { key: 'disk', label: 'Disk', numeric: true },
  { key: 'rx', label: 'Rx', numeric: true },
  { key: 'tx', label: 'Tx', numeric: true },
  { key: 'load', label: 'Load', numeric: true },
  { key: 'uptime', label: 'Uptime', numeric: true },
  { key: 'alerts', label: 'Alerts', numeric: true },
];

export function isTableColumn(value: string | null): value is TableColumn {
  return TABLE_COLUMNS.some((c) => c.key === value);
}

export type SortDirection = 'asc' | 'desc';

/** Hosts without data sort last whichever the direction. */
function columnValue(tile: TileState, column: Exclude<TableColumn, 'name'>, alerts: Map<string, number>): number | null {
  return column === 'alerts' ? (alerts.get(tile.host.id) ?? 0) : liveValue(tile, column);
}

/** The table's rows: filtered as the cards are, ordered by one column. */
export function tableHostIds(
  tiles: TileState[],
  filter: Omit<FleetFilter, 'sort'>,
  column: TableColumn,
  direction: SortDirection,
  alerts: Map<string, number>,
): string[] {
  const byName = visibleHostIds(tiles, { ...filter, sort: 'name' });
  if (column === 'name') return direction === 'asc' ? byName : byName.reverse();
  const rank = new Map(byName.map((id, index) => [id, index]));
  const byId = new Map(tiles.map((t) => [t.host.id, t]));
  const sign = direction === 'asc' ? 1 : -1;
  const values = new Map(byName.map((id) => [id, columnValue(byId.get(id) as TileState, column, alerts)]));
  return byName.sort((a, b) => {
    const va = values.get(a) ?? null;
    const vb = values.get(b) ?? null;
    if (va === null || vb === null) return va === vb ? (rank.get(a) ?? 0) - (rank.get(b) ?? 0) : va === null ? 1 : -1;
    return sign * (va - vb) || (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  });
}
