import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { FiredAlert } from '@/types/alerts';
import { useFiringAlerts } from '../api/get-firing-alerts';
import { useGridColumns, useWindowedRows } from '../hooks/use-windowed-rows';
import { fleetStore } from '../store/fleet-store';
import { isLiveSort, visibleHostIds, type GroupFilter, type SortKey, type StateFilter } from '../store/fleet-view';
import type { HostAlertSummary } from './AlertBadge';
import { HostTile } from './HostTile';

/** Sorting by a live metric re-orders every few seconds, not on every sample, so tiles hold still. */
const RESORT_MS = 3000;

/** Every card has this height, the tallest its content gets (a stale card's footer on two lines),
 * so the grid's rows are found by arithmetic and only those on screen are mounted, as the table
 * does with its rows. */
const TILE_HEIGHT = 292;
const GAP = 12;
/** Rows of cards mounted beyond each edge of the screen, so a scroll shows cards already drawn. */
const OVERSCAN_ROWS = 2;

/** Per host: how many alerts fire and the worst severity; one object per host per alert change. */
export function summarize(alerts: FiredAlert[] | undefined): Map<string, HostAlertSummary> {
  const byHost = new Map<string, HostAlertSummary>();
  for (const alert of alerts ?? []) {
    const current = byHost.get(alert.host.id);
    if (!current) {
      byHost.set(alert.host.id, { count: 1, severity: alert.severity, rules: [alert.rule.name] });
    } else {
      current.count += 1;
      if (alert.severity === 'critical') current.severity = 'critical';
      if (!current.rules.includes(alert.rule.name)) current.rules.push(alert.rule.name);
    }
  }
  return byHost;
}

export function useResortTick(enabled: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => setTick((t) => t + 1), RESORT_MS);
    return () => clearInterval(timer);
  }, [enabled]);
  return enabled ? tick : 0;
}

interface HostGridProps {
  search: string;
  sort: SortKey;
  group: GroupFilter;
  state: StateFilter;
  /** The selected group's name, for the "nothing matches" message. */
  groupName: string | null;
  /** How many hosts the hub listed: the empty state is shown only when it listed none. */
  listedCount: number;
}

export function HostGrid({ search, sort, group, state, groupName, listedCount }: HostGridProps) {
  const listVersion = useSyncExternalStore(fleetStore.subscribeList, fleetStore.getListVersion);
  const resortTick = useResortTick(isLiveSort(sort));
  const ids = useMemo(
    () => visibleHostIds(fleetStore.getAll(), { search, sort, group, state }),
    // listVersion and resortTick are the store's change signals; the data is read from it.
    [listVersion, resortTick, search, sort, group, state],
  );
  const needle = search.trim();
  const firing = useFiringAlerts();
  const alertsByHost = useMemo(() => summarize(firing.data), [firing.data]);
  const [grid, setGrid] = useState<HTMLUListElement | null>(null);
  const columns = useGridColumns(grid);
  const rows = Math.ceil(ids.length / columns);
  const [first, last] = useWindowedRows(grid, rows, TILE_HEIGHT + GAP, OVERSCAN_ROWS);

  if (listedCount === 0 && ids.length === 0 && !needle && group === 'all' && state === 'all') {
    return (
      <div className="rounded-lg border border-dashed border-border p-10 text-center text-sm text-muted">
        <p className="font-medium text-fg">No hosts to show.</p>
        <p className="mt-1">
          Enroll an agent on a machine and it appears here within seconds, or ask an administrator for access to a host group.
        </p>
      </div>
    );
  }
  if (ids.length === 0) {
    const inGroup = group === 'all' ? '' : ` in ${groupName ?? 'this group'}`;
    const inState = state === 'all' ? '' : ` ${state}`;
    return (
      <p role="status" className="rounded-lg border border-dashed border-border p-10 text-center text-sm text-muted">
        {needle ? `No${inState} host${inGroup} matches “${needle}”.` : `No${inState} host${inGroup}.`}
      </p>
    );
  }
  const pitch = TILE_HEIGHT + GAP;
  const offset = first * columns;
  return (
    <ul
      ref={setGrid}
      aria-label="Hosts"
      data-testid="host-grid"
      className="grid grid-cols-[repeat(auto-fill,minmax(16rem,1fr))]"
      style={{
        gap: GAP,
        gridAutoRows: TILE_HEIGHT,
        paddingTop: first * pitch,
        paddingBottom: Math.max(0, rows - last) * pitch,
      }}
    >
      {ids.slice(offset, last * columns).map((id, index) => (
        <li key={id} className="min-w-0" aria-posinset={offset + index + 1} aria-setsize={ids.length}>
          <HostTile hostId={id} alerts={alertsByHost.get(id)} />
        </li>
      ))}
    </ul>
  );
}
