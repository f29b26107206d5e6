import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { useSession } from '@/lib/session';
import type { CreatedEnrollmentToken } from '../types';
import { canManageAgents } from '@/lib/roles';
import { AgentTable } from './AgentTable';
import { CreateTokenForm } from './CreateTokenForm';
import { HostAgentTable } from './HostAgentTable';
import { RefusedEnrollments } from './RefusedEnrollments';
import { TokenResult } from './TokenResult';
import { TokenTable } from './TokenTable';

export function AgentsPage() {
  const session = useSession();
  // Held in component state only: leaving the page forgets the raw token for good.
  const [created, setCreated] = useState<CreatedEnrollmentToken | null>(null);

  if (!canManageAgents(session.user)) {
    return <Alert testId="agents-forbidden">Only owners and admins may manage agents and enrollment tokens.</Alert>;
  }

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold text-fg">Agents</h1>
        <p className="text-sm text-muted">
          Enroll new hosts with a one-time token, replace or revoke the agent of a host, and see refused enrollments.
        </p>
      </div>
      <CreateTokenForm onCreated={setCreated} />
      {created && <TokenResult created={created} onDismiss={() => setCreated(null)} />}
      <RefusedEnrollments />
      <HostAgentTable onReplaced={setCreated} />
      <TokenTable />
      <AgentTable />
    </div>
  );
}
