import { useId, useMemo, useState } from 'react';
import { Panel } from '@/components/ui/Panel';
import { formatBytes, formatPercent } from '@/lib/format';
import type { ProcessInfo, TopProcesses } from '@/types/api';
import { Muted, Table, familyNote, td, tdMono, tdRight, th, thRight } from './parts';

type SortKey = 'pid' | 'name' | 'username' | 'cpu_percent' | 'memory_rss' | 'memory_percent' | 'cmdline';

interface Column {
  key: SortKey;
  label: string;
  numeric: boolean;
  title?: string;
}

const COLUMNS: Column[] = [
  { key: 'name', label: 'Name', numeric: false },
  { key: 'pid', label: 'PID', numeric: true },
  { key: 'username', label: 'User', numeric: false },
  { key: 'cpu_percent', label: 'CPU %', numeric: true, title: 'Of one core, like top: may exceed 100 %' },
  { key: 'memory_rss', label: 'RSS', numeric: true },
  { key: 'memory_percent', label: 'Mem %', numeric: true },
  { key: 'cmdline', label: 'Command', numeric: false },
];

interface Sort {
  key: SortKey;
  descending: boolean;
}

/** The busiest by CPU and the largest by memory, each process once. */
function union(processes: TopProcesses): ProcessInfo[] {
  const byPid = new Map<number, ProcessInfo>();
  for (const p of [...processes.by_cpu, ...processes.by_memory]) if (!byPid.has(p.pid)) byPid.set(p.pid, p);
  return [...byPid.values()];
}

function compare(a: ProcessInfo, b: ProcessInfo, key: SortKey): number {
  const x = a[key];
  const y = b[key];
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x ?? '').localeCompare(String(y ?? ''), undefined, { numeric: true });
}

export function sortAndFilter(rows: ProcessInfo[], sort: Sort, filter: string): ProcessInfo[] {
  const needle = filter.trim().toLowerCase();
  const kept = needle
    ? rows.filter((p) => [String(p.pid), p.name, p.username, p.cmdline].some((v) => (v ?? '').toLowerCase().includes(needle)))
    : rows;
  return [...kept].sort((a, b) => (sort.descending ? -1 : 1) * compare(a, b, sort.key) || a.pid - b.pid);
}

interface ProcessTableProps {
  processes: TopProcesses | null;
  unavailable: boolean;
}

export function ProcessTable({ processes, unavailable }: ProcessTableProps) {
  const [sort, setSort] = useState<Sort>({ key: 'cpu_percent', descending: true });
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const all = useMemo(() => (processes ? union(processes) : []), [processes]);
  const rows = useMemo(() => sortAndFilter(all, sort, filter), [all, sort, filter]);
  const note = familyNote(unavailable, processes !== null);

  const sortBy = (column: Column) =>
    // A new column starts with its most telling end: the largest numbers, names from A.
    setSort((current) => (current.key === column.key ? { ...current, descending: !current.descending } : { key: column.key, descending: column.numeric }));

  const filterBox = (
    <div className="flex items-center gap-2">
      <label htmlFor={filterId} className="sr-only">
        Filter processes
      </label>
      <input
        id={filterId}
        type="search"
        data-testid="process-filter"
        placeholder="Filter"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        className="w-32 rounded-md border border-border bg-surface px-2 py-0.5 text-xs text-fg focus:border-accent sm:w-44"
      />
    </div>
  );

  return (
    <Panel title="Top processes" testId="table-processes" actions={filterBox} className="xl:col-span-2">
      {note ??
        (all.length === 0 ? (
          <Muted>No processes reported.</Muted>
        ) : (
          <>
            <Table
              minWidth="40rem"
              head={
                <>
                  {COLUMNS.map((c) => {
                    const active = sort.key === c.key;
                    return (
                      <th
                        key={c.key}
                        scope="col"
                        className={c.numeric ? thRight : th}
                        aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                        title={c.title}
                      >
                        <button
                          type="button"
                          data-sort={c.key}
                          onClick={() => sortBy(c)}
                          className={`inline-flex items-center gap-1 hover:text-fg ${active ? 'text-fg' : ''}`}
                        >
                          {c.label}
                          <span aria-hidden="true">{active ? (sort.descending ? '▼' : '▲') : ''}</span>
                        </button>
                      </th>
                    );
                  })}
                </>
              }
            >
              {rows.map((p) => (
                <tr key={p.pid} data-pid={p.pid}>
                  <td className={`${td} max-w-40 truncate font-medium`} title={p.status ? `${p.name} (${p.status})` : p.name}>
                    {p.name}
                  </td>
                  <td className={tdRight}>{p.pid}</td>
                  <td className={`${td} max-w-28 truncate text-muted`} title={p.username}>
                    {p.username || '–'}
                  </td>
                  <td className={tdRight}>{formatPercent(p.cpu_percent)}</td>
                  <td className={tdRight}>{formatBytes(p.memory_rss)}</td>
                  <td className={tdRight}>{formatPercent(p.memory_percent)}</td>
                  <td className={`${tdMono} max-w-md truncate text-muted`} title={p.cmdline}>
                    {p.cmdline || `[${p.name}]`}
                  </td>
                </tr>
              ))}
            </Table>
            {rows.length === 0 && <Muted state="filtered">No process matches “{filter}”.</Muted>}
          </>
        ))}
    </Panel>
  );
}
