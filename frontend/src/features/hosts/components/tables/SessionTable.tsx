import { Panel, PanelLine } from '@/components/ui/Panel';
import { formatDateTime } from '@/lib/format';
import type { UserSession } from '@/types/api';
import { Muted, Table, familyNote, td, tdMono, th } from './parts';

export function SessionTable({ sessions, unavailable }: { sessions: UserSession[] | null; unavailable: boolean }) {
  if (unavailable || sessions?.length === 0) {
    return (
      <PanelLine title="Sessions" testId="table-sessions">
        {unavailable ? 'unavailable on this host.' : 'nobody is logged in.'}
      </PanelLine>
    );
  }
  return (
    <Panel title={`Sessions${sessions ? ` (${sessions.length})` : ''}`} testId="table-sessions">
      {familyNote(unavailable, sessions !== null) ??
        (!sessions || sessions.length === 0 ? (
          <Muted>Nobody is logged in.</Muted>
        ) : (
          <Table
            minWidth="24rem"
            head={
              <>
                <th className={th}>User</th>
                <th className={th}>Terminal</th>
                <th className={th}>From</th>
                <th className={th}>Since</th>
              </>
            }
          >
            {sessions.map((u, i) => (
              <tr key={`${u.name} ${u.terminal} ${u.started} ${i}`}>
                <td className={`${td} font-medium`}>{u.name}</td>
                <td className={tdMono}>{u.terminal || '–'}</td>
                <td className={tdMono}>{u.host || 'local'}</td>
                <td className={`${td} text-xs tabular-nums`}>{formatDateTime(u.started * 1000)}</td>
              </tr>
            ))}
          </Table>
        ))}
    </Panel>
  );
}
