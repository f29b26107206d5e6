import { useId, useState, useSyncExternalStore } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { useHostGroups } from '@/lib/queries/host-groups';
import { useHosts } from '@/lib/queries/hosts';
import { useFleetLive } from '../hooks/use-fleet-live';
import { fleetStore } from '../store/fleet-store';
import {
  SORT_OPTIONS,
  STATE_OPTIONS,
  isSortKey,
  isStateFilter,
  isTableColumn,
  parseGroupFilter,
  type GroupFilter,
  type SortKey,
  type SortDirection,
  type StateFilter,
  type TableColumn,
} from '../store/fleet-view';
import { FleetTable } from './FleetTable';
import { HostGrid } from './HostGrid';

type FleetViewMode = 'cards' | 'table';

/** Cards or table, and the table's order, live in the URL: reload and share keep them. */
function useViewParams() {
  const [params, setParams] = useSearchParams();
  const view: FleetViewMode = params.get('view') === 'table' ? 'table' : 'cards';
  const col = params.get('col');
  const column: TableColumn = isTableColumn(col) ? col : 'name';
  const direction: SortDirection = params.get('dir') === 'desc' ? 'desc' : 'asc';
  const update = (changes: Record<string, string | null>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) next.delete(key);
          else next.set(key, value);
        }
        return next;
      },
      { replace: true },
    );
  return {
    view,
    column,
    direction,
    setView: (mode: FleetViewMode) => update({ view: mode === 'table' ? 'table' : null }),
    setSort: (c: TableColumn, d: SortDirection) => update({ col: c === 'name' ? null : c, dir: d === 'asc' ? null : d }),
  };
}

function ViewToggle({ view, onChange }: { view: FleetViewMode; onChange: (view: FleetViewMode) => void }) {
  const button = (mode: FleetViewMode, label: string) => (
    <button
      type="button"
      data-testid={`fleet-view-${mode}`}
      aria-pressed={view === mode}
      onClick={() => onChange(mode)}
      className={`px-3 py-1.5 text-sm ${view === mode ? 'bg-accent text-accent-fg' : 'bg-surface text-fg hover:bg-surface-2'}`}
    >
      {label}
    </button>
  );
  return (
    <div role="group" aria-label="View" className="flex overflow-hidden rounded-md border border-border">
      {button('cards', 'Cards')}
      {button('table', 'Table')}
    </div>
  );
}

function FleetSummaryLine() {
  useSyncExternalStore(fleetStore.subscribeList, fleetStore.getListVersion);
  const s = fleetStore.getSummary();
  return (
    <p className="text-sm text-muted" aria-live="polite">
      {s.total} {s.total === 1 ? 'host' : 'hosts'} · <span className="text-ok">{s.online} online</span>
      {s.stale > 0 && (
        <>
          {' '}
          · <span className="text-warn">{s.stale} stale</span>
        </>
      )}
      {s.offline > 0 && <> · {s.offline} offline</>}
    </p>
  );
}

export function FleetPage() {
  const hosts = useHosts();
  useFleetLive(hosts.data);
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<SortKey>('name');
  const [chosenGroup, setChosenGroup] = useState<GroupFilter>('all');
  const [state, setState] = useState<StateFilter>('all');
  const groups = useHostGroups();
  const viewParams = useViewParams();
  const searchId = useId();
  const sortId = useId();
  const groupId = useId();
  const stateId = useId();
  // A group that disappeared (deleted, or access to it lost) falls back to every host.
  const selectedGroup = chosenGroup === 'all' ? null : (groups.data?.find((g) => g.id === chosenGroup) ?? null);
  const group: GroupFilter = selectedGroup ? selectedGroup.id : 'all';

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold text-fg">Fleet</h1>
          {hosts.data && <FleetSummaryLine />}
        </div>
        <div className="flex flex-wrap items-end gap-3">
          <div className="flex flex-col gap-1">
            <label htmlFor={searchId} className="text-xs font-medium text-muted">
              Search
            </label>
            <input
              id={searchId}
              type="search"
              data-testid="fleet-search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="Name, OS, address or group"
              className="w-64 rounded-md border border-border bg-surface px-3 py-1.5 text-sm text-fg placeholder:text-muted focus:border-accent"
            />
          </div>
          <div className="flex flex-col gap-1">
            <label htmlFor={groupId} className="text-xs font-medium text-muted">
              Group
            </label>
            <select
              id={groupId}
              data-testid="fleet-group"
              value={group === 'all' ? 'all' : String(group)}
              onChange={(e) => setChosenGroup(parseGroupFilter(e.target.value))}
              disabled={!groups.data}
              title={groups.isError ? 'The host groups could not be loaded.' : undefined}
              className="max-w-56 rounded-md border border-border bg-surface px-3 py-1.5 text-sm text-fg focus:border-accent disabled:opacity-60"
            >
              <option value="all">All groups</option>
              {(groups.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </div>
          <div className="flex flex-col gap-1">
            <label htmlFor={stateId} className="text-xs font-medium text-muted">
              State
            </label>
            <select
              id={stateId}
              data-testid="fleet-state"
              value={state}
              onChange={(e) => {
                if (isStateFilter(e.target.value)) setState(e.target.value);
              }}
              className="rounded-md border border-border bg-surface px-3 py-1.5 text-sm text-fg focus:border-accent"
            >
              {STATE_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
          {viewParams.view === 'cards' && (
            <div className="flex flex-col gap-1">
              <label htmlFor={sortId} className="text-xs font-medium text-muted">
                Sort by
              </label>
              <select
                id={sortId}
                data-testid="fleet-sort"
                value={sort}
                onChange={(e) => {
                  if (isSortKey(e.target.value)) setSort(e.target.value);
                }}
                className="rounded-md border border-border bg-surface px-3 py-1.5 text-sm text-fg focus:border-accent"
              >
                {SORT_OPTIONS.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </div>
          )}
          <ViewToggle view={viewParams.view} onChange={viewParams.setView} />
        </div>
      </div>

      {hosts.isPending && <Spinner label="Loading hosts…" />}
      {hosts.isError && (
        <Alert>
          Could not load hosts: {hosts.error.message}{' '}
          <button type="button" onClick={() => void hosts.refetch()} className="underline">
            Try again
          </button>
        </Alert>
      )}
      {hosts.data && viewParams.view === 'table' && (
        <FleetTable
          search={search}
          group={group}
          state={state}
          column={viewParams.column}
          direction={viewParams.direction}
          onSort={viewParams.setSort}
        />
      )}
      {hosts.data && viewParams.view === 'cards' && (
        <HostGrid
          search={search}
          sort={sort}
          group={group}
          state={state}
          groupName={selectedGroup?.name ?? null}
          listedCount={hosts.data.length}
        />
      )}
    </div>
  );
}
