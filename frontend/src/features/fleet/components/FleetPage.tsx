import { useState, useSyncExternalStore } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { onChoice, Options, SelectField, TextField } from '@/components/ui/Field';
import { Spinner } from '@/components/ui/Spinner';
import { useHostGroups } from '@/lib/queries/host-groups';
import { withParams } from '@/lib/url-params';
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

/** The filters above the fleet sit on the page's surface, smaller than a form's inputs. */
const filterInput = 'rounded-md border border-border bg-surface px-3 py-1.5 text-sm text-fg focus:border-accent';

/** Cards or table, and the table's order, live in the URL: reload and share keep them. */
function useViewParams() {
  const [params, setParams] = useSearchParams();
  const view: FleetViewMode = params.get('view') === 'table' ? 'table' : 'cards';
  const col = params.get('col');
  const column: TableColumn = isTableColumn(col) ? col : 'name';
  const direction: SortDirection = params.get('dir') === 'desc' ? 'desc' : 'asc';
  const update = (changes: Record<string, string | null>) =>
    setParams((current) => withParams(current, changes), { replace: true });
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
          <TextField
            label="Search"
            type="search"
            data-testid="fleet-search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Name, OS, address or group"
            inputClassName={`w-64 ${filterInput} placeholder:text-muted`}
          />
          <SelectField
            label="Group"
            data-testid="fleet-group"
            value={group === 'all' ? 'all' : String(group)}
            onChange={(e) => setChosenGroup(parseGroupFilter(e.target.value))}
            disabled={!groups.data}
            title={groups.isError ? 'The host groups could not be loaded.' : undefined}
            inputClassName={`max-w-56 ${filterInput} disabled:opacity-60`}
          >
            <option value="all">All groups</option>
            <Options items={groups.data ?? []} value={(g) => g.id} label={(g) => g.name} />
          </SelectField>
          <SelectField label="State" data-testid="fleet-state" value={state} onChange={onChoice(isStateFilter, setState)} inputClassName={filterInput}>
            <Options items={STATE_OPTIONS} value={(o) => o.value} label={(o) => o.label} />
          </SelectField>
          {viewParams.view === 'cards' && (
            <SelectField label="Sort by" data-testid="fleet-sort" value={sort} onChange={onChoice(isSortKey, setSort)} inputClassName={filterInput}>
              <Options items={SORT_OPTIONS} value={(o) => o.value} label={(o) => o.label} />
            </SelectField>
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
