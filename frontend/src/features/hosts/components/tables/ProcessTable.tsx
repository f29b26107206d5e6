import { useState } from 'react';
import { Panel } from '@/components/ui/Panel';
import { formatBytes, formatPercent } from '@/lib/format';
import type { ProcessInfo, TopProcesses } from '@/types/api';
import { Muted, Table, familyNote, td, tdMono, tdRight, th, thRight } from './parts';

type Tab = 'cpu' | 'memory';

const TABS: { key: Tab; label: string }[] = [
  { key: 'cpu', label: 'By CPU' },
  { key: 'memory', label: 'By memory' },
];

interface ProcessTableProps {
  processes: TopProcesses | null;
  unavailable: boolean;
}

export function ProcessTable({ processes, unavailable }: ProcessTableProps) {
  const [tab, setTab] = useState<Tab>('cpu');
  const rows: ProcessInfo[] = processes ? (tab === 'cpu' ? processes.by_cpu : processes.by_memory) : [];
  const note = familyNote(unavailable, processes !== null);

  const tabs = (
    <div role="tablist" aria-label="Order processes" className="inline-flex">
      {TABS.map((t) => (
        <button
          key={t.key}
          type="button"
          role="tab"
          data-tab={t.key}
          aria-selected={tab === t.key}
          onClick={() => setTab(t.key)}
          className={`border-y border-r border-border px-2.5 py-0.5 text-xs first:rounded-l-md first:border-l last:rounded-r-md ${
            tab === t.key ? 'bg-accent text-accent-fg' : 'bg-surface text-fg hover:bg-surface-2'
          }`}
        >
          {t.label}
        </button>
      ))}
    </div>
  );

  return (
    <Panel title="Top processes" testId="table-processes" actions={tabs} className="xl:col-span-2">
      {note ??
        (rows.length === 0 ? (
          <Muted>No processes reported.</Muted>
        ) : (
          <Table
            minWidth="48rem"
            head={
              <>
                <th className={thRight}>PID</th>
                <th className={th}>Name</th>
                <th className={th}>User</th>
                <th className={thRight} title="Of one core, like top: may exceed 100 %">
                  CPU %
                </th>
                <th className={thRight}>RSS</th>
                <th className={thRight}>Mem %</th>
                <th className={th}>Command</th>
              </>
            }
          >
            {rows.map((p) => (
              <tr key={p.pid} data-pid={p.pid}>
                <td className={tdRight}>{p.pid}</td>
                <td className={`${td} max-w-40 truncate font-medium`} title={p.status ? `${p.name} (${p.status})` : p.name}>
                  {p.name}
                </td>
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
        ))}
    </Panel>
  );
}
