import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { FiredAlert } from '@/types/alerts';
import { useFiringAlerts } from '../api/get-firing-alerts';
import { fleetStore } from '../store/fleet-store';
import { isLiveSort, visibleHostIds, type GroupFilter, type SortKey, type StateFilter } from '../store/fleet-view';
import type { HostAlertSummary } from './AlertBadge';
import { HostTile } from './HostTile';

/** Sorting by a live metric re-orders every few seconds, not on every sample, so tiles hold still. */
const RESORT_MS = 3000;

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
  return (
    <ul className="grid grid-cols-[repeat(auto-fill,minmax(16rem,1fr))] gap-3" aria-label="Hosts">
      {ids.map((id) => (
        <li key={id} className="min-w-0">
          <HostTile hostId={id} alerts={alertsByHost.get(id)} />
        </li>
      ))}
    </ul>
  );
}
