import { formatDateTime } from '@/lib/format';
import type { UserSession } from '@/types/api';
import { FamilyTable, familyLine, td, tdMono, type Column } from './parts';

const COLUMNS: Column<UserSession>[] = [
  { label: 'User', cellClass: `${td} font-medium`, cell: (u) => u.name },
  { label: 'Terminal', cellClass: tdMono, cell: (u) => u.terminal || '–' },
  { label: 'From', cellClass: tdMono, cell: (u) => u.host || 'local' },
  { label: 'Since', cellClass: `${td} text-xs tabular-nums`, cell: (u) => formatDateTime(u.started * 1000) },
];

export function SessionTable({ sessions, unavailable }: { sessions: UserSession[] | null; unavailable: boolean }) {
  return (
    familyLine('Sessions', 'table-sessions', unavailable, sessions?.length === 0 ? 'nobody is logged in.' : null) ?? (
      <FamilyTable
        title="Sessions"
        testId="table-sessions"
        counted
        rows={sessions}
        unavailable={unavailable}
        empty="Nobody is logged in."
        minWidth="24rem"
        columns={COLUMNS}
        rowKey={(u, i) => `${u.name} ${u.terminal} ${u.started} ${i}`}
      />
    )
  );
}
