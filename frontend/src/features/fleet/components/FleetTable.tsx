import { memo, useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Link } from 'react-router-dom';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { levelTextClass } from '@/components/ui/UsageBar';
import { formatDuration, formatNumber, formatPercent, formatRate } from '@/lib/format';
import { rootDisk } from '@/lib/metrics';
import { useFiringAlerts } from '../api/get-firing-alerts';
import { requestCpuBackfill } from '../api/get-cpu-history';
import { useWindowedRows } from '../hooks/use-windowed-rows';
import { fleetStore } from '../store/fleet-store';
import {
  TABLE_COLUMNS,
  tableHostIds,
  type GroupFilter,
  type SortDirection,
  type StateFilter,
  type TableColumn,
} from '../store/fleet-view';
import type { HostAlertSummary } from './AlertBadge';
import { summarize, useResortTick } from './HostGrid';
import { Sparkline } from './Sparkline';

/** Rows have one height, so the visible ones are found by arithmetic and only they are mounted. */
const ROW_HEIGHT = 44;
/** Rows mounted beyond each edge of the screen, so a scroll shows rows already drawn. */
const OVERSCAN = 10;

const FleetRow = memo(function FleetRow({ hostId, alerts }: { hostId: string; alerts?: HostAlertSummary }) {
  const subscribe = useCallback((listener: () => void) => fleetStore.subscribeTile(hostId, listener), [hostId]);
  const tile = useSyncExternalStore(subscribe, () => fleetStore.getTile(hostId));
  useEffect(() => requestCpuBackfill(hostId), [hostId]);
  const spark = fleetStore.getSpark(hostId);
  if (!tile) return null;
  const { host, latest, status } = tile;
  const disk = latest ? rootDisk(latest) : null;
  const cpu = latest?.cpu.percent ?? null;
  const memory = latest?.memory.percent ?? null;
  return (
    <tr data-testid="fleet-row" data-host-id={host.id} data-status={status} className="border-t border-border" style={{ height: ROW_HEIGHT }}>
      <th scope="row" className="max-w-56 truncate px-3 text-left font-medium">
        <Link to={`/hosts/${encodeURIComponent(host.id)}`} className="text-fg underline-offset-2 hover:underline">
          {host.hostname}
        </Link>
      </th>
      <td className="px-3">
        <StatusBadge status={status} />
      </td>
      <td className="px-3">
        <div className="flex items-center justify-end gap-2">
          <Sparkline
            spark={spark}
            version={spark?.version ?? 0}
            now={latest?.ts ?? Date.now()}
            label={`CPU of ${host.hostname} over the last 5 minutes`}
          />
          <span data-testid="fleet-row-cpu" className={`w-14 text-right font-semibold ${levelTextClass(cpu)}`}>
            {formatPercent(cpu)}
          </span>
        </div>
      </td>
      <td className={`px-3 text-right ${levelTextClass(memory)}`}>{formatPercent(memory)}</td>
      <td className={`px-3 text-right ${levelTextClass(disk?.percent ?? null)}`}>{formatPercent(disk?.percent ?? null)}</td>
      <td className="px-3 text-right" data-testid="fleet-row-rx">
        {formatRate(tile.rx)}
      </td>
      <td className="px-3 text-right" data-testid="fleet-row-tx">
        {formatRate(tile.tx)}
      </td>
      <td className="px-3 text-right">{latest ? formatNumber(latest.load.load1) : '–'}</td>
      <td className="px-3 text-right">{latest ? formatDuration(latest.uptime) : '–'}</td>
      <td className="px-3 text-right" data-testid="fleet-row-alerts">
        {alerts ? (
          <span className={alerts.severity === 'critical' ? 'font-semibold text-crit' : 'font-semibold text-warn'}>
            {alerts.count}
          </span>
        ) : (
          <span className="text-muted">0</span>
        )}
      </td>
    </tr>
  );
});

interface FleetTableProps {
  search: string;
  group: GroupFilter;
  state: StateFilter;
  column: TableColumn;
  direction: SortDirection;
  onSort: (column: TableColumn, direction: SortDirection) => void;
}

/** The fleet as one sortable table, for hundreds of hosts; only the rows on screen are mounted. */
export function FleetTable({ search, group, state, column, direction, onSort }: FleetTableProps) {
  const listVersion = useSyncExternalStore(fleetStore.subscribeList, fleetStore.getListVersion);
  const resortTick = useResortTick(column !== 'name');
  const firing = useFiringAlerts();
  const alertsByHost = useMemo(() => summarize(firing.data), [firing.data]);
  const alertCounts = useMemo(
    () => new Map([...alertsByHost].map(([id, summary]) => [id, summary.count])),
    [alertsByHost],
  );
  const ids = useMemo(
    () => tableHostIds(fleetStore.getAll(), { search, group, state }, column, direction, alertCounts),
    // listVersion and resortTick are the store's change signals; the data is read from it.
    [listVersion, resortTick, search, group, state, column, direction, alertCounts],
  );
  const [body, setBody] = useState<HTMLTableSectionElement | null>(null);
  const [first, last] = useWindowedRows(body, ids.length, ROW_HEIGHT, OVERSCAN);

  const header = (key: TableColumn, label: string, numeric: boolean) => {
    const active = key === column;
    const next: SortDirection = active ? (direction === 'asc' ? 'desc' : 'asc') : numeric ? 'desc' : 'asc';
    return (
      <th
        key={key}
        scope="col"
        aria-sort={active ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'}
        className={`px-3 py-2 font-medium ${numeric ? 'text-right' : 'text-left'}`}
      >
        <button
          type="button"
          data-testid={`fleet-sort-${key}`}
          onClick={() => onSort(key, next)}
          className={`inline-flex items-center gap-1 rounded-sm hover:text-fg ${active ? 'text-fg' : ''}`}
        >
          {label}
          <span aria-hidden="true" className="w-3">
            {active ? (direction === 'asc' ? '▲' : '▼') : ''}
          </span>
        </button>
      </th>
    );
  };

  return (
    <div className="overflow-x-auto rounded-lg border border-border bg-surface">
      <table className="w-full text-sm tabular-nums" data-testid="fleet-table" aria-rowcount={ids.length + 1}>
        <caption className="sr-only">
          Hosts, one per row, sorted by {TABLE_COLUMNS.find((c) => c.key === column)?.label ?? column}
        </caption>
        <thead className="text-xs text-muted">
          <tr>
            {header('name', 'Host', false)}
            <th scope="col" className="px-3 py-2 text-left font-medium">
              State
            </th>
            {TABLE_COLUMNS.filter((c) => c.key !== 'name').map((c) => header(c.key, c.label, c.numeric))}
          </tr>
        </thead>
        <tbody ref={setBody}>
          {first > 0 && (
            <tr aria-hidden="true" style={{ height: first * ROW_HEIGHT }}>
              <td colSpan={10} />
            </tr>
          )}
          {ids.slice(first, last).map((id) => (
            <FleetRow key={id} hostId={id} alerts={alertsByHost.get(id)} />
          ))}
          {last < ids.length && (
            <tr aria-hidden="true" style={{ height: (ids.length - last) * ROW_HEIGHT }}>
              <td colSpan={10} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
