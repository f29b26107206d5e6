import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { dangerButton } from '@/components/ui/styles';
import { isApiError } from '@/lib/api';
import { formatAgo, formatDateTime, parseIso } from '@/lib/format';
import { useNow } from '@/lib/use-now';
import type { AgentCredential } from '../types';
import { useAgents } from '../api/get-agents';
import { useRevokeAgent } from '../api/revoke-agent';

function Connection({ agent, now }: { agent: AgentCredential; now: number }) {
  const lastSeen = parseIso(agent.last_seen);
  if (agent.connected && !agent.revoked_at) {
    return (
      <span className="text-xs">
        <span className="font-medium text-ok">connected</span>
        <span className="text-muted"> · seen {formatAgo(lastSeen, now)}</span>
      </span>
    );
  }
  return <span className="text-xs text-muted">last seen {formatAgo(lastSeen, now)}</span>;
}

export function AgentTable() {
  const agents = useAgents();
  const revoke = useRevokeAgent();
  const now = useNow(5000);
  const [pending, setPending] = useState<AgentCredential | null>(null);

  const confirmRevoke = () => {
    if (!pending) return;
    revoke.mutate(pending.id, { onSettled: () => setPending(null) });
  };

  return (
    <Panel title="Agents" testId="agents">
      {agents.isPending && <Spinner label="Loading agents…" />}
      {agents.isError && (
        <Alert>{isApiError(agents.error) ? agents.error.message : 'Could not load the agents.'}</Alert>
      )}
      {revoke.isError && (
        <Alert>{isApiError(revoke.error) ? revoke.error.message : 'Could not revoke the agent.'}</Alert>
      )}
      {agents.data && agents.data.length === 0 && <p className="text-sm text-muted">No agent has enrolled yet.</p>}
      {agents.data && agents.data.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[40rem] text-left text-sm">
            <thead className="text-xs text-muted">
              <tr>
                <th scope="col" className="py-1.5 pr-3 font-medium">Host</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Enrolled</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Connection</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Revoked</th>
                <th scope="col" className="py-1.5 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="tabular-nums">
              {agents.data.map((agent) => (
                <tr
                  key={agent.id}
                  data-testid="agent-row"
                  data-revoked={agent.revoked_at !== null}
                  className={`border-t border-border ${agent.revoked_at ? 'text-muted' : ''}`}
                >
                  <td className="py-1.5 pr-3 break-all">
                    <Link to={`/hosts/${encodeURIComponent(agent.host.id)}`} className="font-medium hover:underline">
                      {agent.host.hostname}
                    </Link>
                    <div className="font-mono text-[11px] text-muted">{agent.id}</div>
                  </td>
                  <td className="py-1.5 pr-3 text-xs">{formatDateTime(parseIso(agent.created_at))}</td>
                  <td className="py-1.5 pr-3">
                    <Connection agent={agent} now={now} />
                  </td>
                  <td className="py-1.5 pr-3 text-xs">
                    {agent.revoked_at ? (
                      <span className="font-medium text-crit">{formatDateTime(parseIso(agent.revoked_at))}</span>
                    ) : (
                      '–'
                    )}
                  </td>
                  <td className="py-1.5 text-right">
                    {!agent.revoked_at && (
                      <button
                        type="button"
                        data-testid="agent-revoke"
                        className={dangerButton}
                        onClick={() => setPending(agent)}
                        aria-label={`Revoke the agent of ${agent.host.hostname}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending && (
        <ConfirmDialog
          open
          title="Revoke this agent?"
          confirmLabel="Revoke agent"
          pending={revoke.isPending}
          onConfirm={confirmRevoke}
          onCancel={() => setPending(null)}
        >
          The agent on “{pending.host.hostname}” will no longer be able to connect. The host and its data stay; to watch it
          again, enroll it with a new token.
        </ConfirmDialog>
      )}
    </Panel>
  );
}
