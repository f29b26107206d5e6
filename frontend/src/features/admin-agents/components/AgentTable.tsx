import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { actionsColumn, DataTable } from '@/components/ui/DataTable';
import { Panel } from '@/components/ui/Panel';
import { QueryState } from '@/components/ui/QueryState';
import { dangerButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatAgo, formatDateTime, parseIso } from '@/lib/format';
import { useNow } from '@/lib/use-now';
import type { AgentCredential } from '../types';
import { HostLink } from './HostLink';
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
      {revoke.isError && <Alert>{describeError(revoke.error, 'Could not revoke the agent.')}</Alert>}
      <QueryState
        query={agents}
        loading="Loading agents…"
        failure="Could not load the agents."
        empty={<p className="text-sm text-muted">No agent has enrolled yet.</p>}
      >
        {(rows) => (
          <DataTable
            rows={rows}
            rowTestId="agent-row"
            rowProps={(agent) => ({ 'data-revoked': agent.revoked_at !== null, className: agent.revoked_at ? 'text-muted' : '' })}
            columns={[
              {
                label: 'Host',
                className: 'break-all',
                cell: (agent) => (
                  <>
                    <HostLink host={agent.host} />
                    <div className="font-mono text-[11px] text-muted">{agent.id}</div>
                  </>
                ),
              },
              { label: 'Enrolled', className: 'text-xs', cell: (agent) => formatDateTime(parseIso(agent.created_at)) },
              { label: 'Connection', cell: (agent) => <Connection agent={agent} now={now} /> },
              {
                label: 'Revoked',
                className: 'text-xs',
                cell: (agent) =>
                  agent.revoked_at ? <span className="font-medium text-crit">{formatDateTime(parseIso(agent.revoked_at))}</span> : '–',
              },
              actionsColumn((agent: AgentCredential) =>
                !agent.revoked_at && (
                  <button
                    type="button"
                    data-testid="agent-revoke"
                    className={dangerButton}
                    onClick={() => setPending(agent)}
                    aria-label={`Revoke the agent of ${agent.host.hostname}`}
                  >
                    Revoke
                  </button>
                )),
            ]}
          />
        )}
      </QueryState>
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
