import { Panel } from '@/components/ui/Panel';
import type { ListeningSocket } from '@/types/api';
import { Muted, Table, familyNote, td, tdMono, tdRight, th, thRight } from './parts';

function endpoint(s: ListeningSocket): string {
  const address = s.address.includes(':') ? `[${s.address}]` : s.address;
  return `${address}:${s.port}`;
}

interface ListeningTableProps {
  sockets: ListeningSocket[] | null;
  unavailable: boolean;
}

export function ListeningTable({ sockets, unavailable }: ListeningTableProps) {
  const note = familyNote(unavailable, sockets !== null);
  const sorted = [...(sockets ?? [])].sort(
    (a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol) || a.address.localeCompare(b.address),
  );
  return (
    <Panel title={`Listening sockets${sockets ? ` (${sockets.length})` : ''}`} testId="table-listening">
      {note ??
        (sorted.length === 0 ? (
          <Muted>Nothing is listening.</Muted>
        ) : (
          // Focusable, so keyboard users can scroll a long list too.
          <div className="max-h-96 overflow-y-auto" tabIndex={0} role="region" aria-label="Listening sockets">
            <Table
              minWidth="28rem"
              head={
                <>
                  <th className={th}>Proto</th>
                  <th className={th}>Address</th>
                  <th className={thRight}>PID</th>
                  <th className={th}>Process</th>
                </>
              }
            >
              {sorted.map((s) => (
                <tr key={`${s.protocol} ${s.address} ${s.port}`}>
                  <td className={`${td} uppercase text-muted`}>{s.protocol}</td>
                  <td className={tdMono}>{endpoint(s)}</td>
                  <td className={tdRight}>{s.pid ?? '–'}</td>
                  <td className={td} title={s.process === null ? 'The agent may not see the owner of this socket' : undefined}>
                    {s.process ?? <span className="text-muted">hidden</span>}
                  </td>
                </tr>
              ))}
            </Table>
          </div>
        ))}
    </Panel>
  );
}
