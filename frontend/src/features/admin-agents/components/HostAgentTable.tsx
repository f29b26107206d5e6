import { useState } from 'react';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { actionsColumn, DataTable } from '@/components/ui/DataTable';
import { Panel } from '@/components/ui/Panel';
import { smallButton } from '@/components/ui/styles';
import { isApiError } from '@/lib/api';
import type { AgentCredential, CreatedEnrollmentToken, HostRef } from '../types';
import { useAgents } from '../api/get-agents';
import { useReplaceAgent } from '../api/replace-agent';
import { HostLink } from './HostLink';

type AgentState = 'connected' | 'offline' | 'none';

interface HostAgents {
  /** The host's. */
  id: string;
  host: HostRef;
  state: AgentState;
  active: number;
}

/** One row per host that ever had an agent, from the agents list (newest first). */
function byHost(agents: AgentCredential[]): HostAgents[] {
  const hosts = new Map<string, HostAgents>();
  for (const agent of agents) {
    const entry = hosts.get(agent.host.id) ?? { id: agent.host.id, host: agent.host, state: 'none' as AgentState, active: 0 };
    if (!agent.revoked_at) {
      entry.active += 1;
      entry.state = agent.connected ? 'connected' : 'offline';
    }
    hosts.set(agent.host.id, entry);
  }
  return [...hosts.values()].sort((a, b) => a.host.hostname.localeCompare(b.host.hostname));
}

function StateText({ state }: { state: AgentState }) {
  if (state === 'connected') return <span className="text-xs font-medium text-ok">agent active · connected</span>;
  if (state === 'offline') return <span className="text-xs font-medium text-fg">agent active · offline</span>;
  return (
    <span className="text-xs text-muted">
      no active agent · the next enrollment from its machine re-binds it
    </span>
  );
}

interface HostAgentTableProps {
  onReplaced: (created: CreatedEnrollmentToken) => void;
}

/** Which hosts hold an active agent; an enrollment from such a host's machine id is refused. */
export function HostAgentTable({ onReplaced }: HostAgentTableProps) {
  const agents = useAgents();
  const replace = useReplaceAgent();
  const [pending, setPending] = useState<HostAgents | null>(null);

  if (!agents.data || agents.data.length === 0) return null;
  const hosts = byHost(agents.data);

  const confirmReplace = () => {
    if (!pending) return;
    replace.mutate(pending.host.id, {
      onSuccess: (created) => {
        setPending(null);
        onReplaced(created);
      },
    });
  };

  return (
    <Panel title="Hosts and their agents" testId="host-agents">
      <p className="mb-2 text-xs text-muted">
        An enrollment from the machine of a host whose agent is active is refused. To move a host to a new agent (a
        reinstalled machine, a lost credential), revoke its agent first or use Replace agent.
      </p>
      <DataTable
        rows={hosts}
        rowTestId="host-agent-row"
        rowProps={(entry) => ({ 'data-state': entry.state })}
        columns={[
          { label: 'Host', className: 'break-all', cell: (entry) => <HostLink host={entry.host} /> },
          { label: 'Agent', cell: (entry) => <StateText state={entry.state} /> },
          actionsColumn((entry: HostAgents) => (
            <button
              type="button"
              data-testid="host-agent-replace"
              className={smallButton}
              onClick={() => {
                replace.reset();
                setPending(entry);
              }}
              aria-label={`Replace agent of ${entry.host.hostname}`}
            >
              Replace agent
            </button>
          )),
        ]}
      />
      {pending && (
        <ConfirmDialog
          open
          title={`Replace the agent of “${pending.host.hostname}”?`}
          confirmLabel="Create replacement token"
          pending={replace.isPending}
          error={replace.isError ? (isApiError(replace.error) ? replace.error.message : 'Could not create the token.') : null}
          onConfirm={confirmReplace}
          onCancel={() => setPending(null)}
        >
          <p>
            You get a one-use token, valid for an hour. The agent that enrolls with it, from this machine or a reinstalled
            one, takes over “{pending.host.hostname}” with its groups and history.
          </p>
          {pending.active > 0 && (
            <p>At that moment the current agent is revoked and its connection closed.</p>
          )}
        </ConfirmDialog>
      )}
    </Panel>
  );
}
