import type { ListeningSocket } from '@/types/api';
import { FamilyTable, td, tdMono, type Column } from './parts';

function endpoint(s: ListeningSocket): string {
  const address = s.address.includes(':') ? `[${s.address}]` : s.address;
  return `${address}:${s.port}`;
}

const COLUMNS: Column<ListeningSocket>[] = [
  { label: 'Proto', cellClass: `${td} uppercase text-muted`, cell: (s) => s.protocol },
  { label: 'Address', cellClass: tdMono, cell: endpoint },
  { label: 'PID', numeric: true, cell: (s) => s.pid ?? '–' },
  {
    label: 'Process',
    cellTitle: (s) => (s.process === null ? 'The agent may not see the owner of this socket' : undefined),
    cell: (s) => s.process ?? <span className="text-muted">hidden</span>,
  },
];

export function ListeningTable({ sockets, unavailable }: { sockets: ListeningSocket[] | null; unavailable: boolean }) {
  const sorted =
    sockets &&
    [...sockets].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol) || a.address.localeCompare(b.address));
  return (
    <FamilyTable
      title="Listening sockets"
      testId="table-listening"
      counted
      rows={sorted}
      unavailable={unavailable}
      empty="Nothing is listening."
      scrollLabel="Listening sockets"
      minWidth="28rem"
      columns={COLUMNS}
      rowKey={(s) => `${s.protocol} ${s.address} ${s.port}`}
    />
  );
}
