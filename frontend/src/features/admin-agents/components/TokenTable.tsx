import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { actionsColumn, DataTable } from '@/components/ui/DataTable';
import { Panel } from '@/components/ui/Panel';
import { QueryState } from '@/components/ui/QueryState';
import { dangerButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import type { EnrollmentToken } from '../types';
import { useDeleteEnrollmentToken } from '../api/delete-enrollment-token';
import { useEnrollmentTokens } from '../api/get-enrollment-tokens';

function tokenName(token: EnrollmentToken): string {
  return token.description || `Token #${token.id}`;
}

function TokenState({ token }: { token: EnrollmentToken }) {
  if (token.expired) return <span className="text-xs font-medium text-crit" data-state="expired">expired</span>;
  if (token.uses_left < 1) return <span className="text-xs font-medium text-muted" data-state="used">used up</span>;
  return <span className="text-xs font-medium text-ok" data-state="valid">valid</span>;
}

export function TokenTable() {
  const tokens = useEnrollmentTokens();
  const remove = useDeleteEnrollmentToken();
  const [pending, setPending] = useState<EnrollmentToken | null>(null);

  const confirmDelete = () => {
    if (!pending) return;
    remove.mutate(pending.id, { onSettled: () => setPending(null) });
  };

  return (
    <Panel title="Enrollment tokens" testId="enroll-tokens">
      {remove.isError && <Alert>{describeError(remove.error, 'Could not delete the token.')}</Alert>}
      <QueryState
        query={tokens}
        loading="Loading tokens…"
        failure="Could not load the enrollment tokens."
        empty={<p className="text-sm text-muted">No enrollment tokens.</p>}
      >
        {(rows) => (
          <DataTable
            rows={rows}
            rowTestId="enroll-token-row"
            rowProps={(token) => ({ 'data-expired': token.expired, className: token.expired ? 'text-muted' : '' })}
            columns={[
              { label: 'Description', className: 'break-all', cell: tokenName },
              {
                label: 'Group',
                className: 'text-xs',
                cell: (token) => (token.host ? `replaces the agent of ${token.host.hostname}` : token.group ? token.group.name : '–'),
              },
              { label: 'Uses left', className: 'text-right tabular-nums', cell: (token) => token.uses_left },
              { label: 'Expires', className: 'text-xs', cell: (token) => formatDateTime(parseIso(token.expires_at)) },
              { label: 'State', cell: (token) => <TokenState token={token} /> },
              {
                label: 'Created',
                className: 'text-xs text-muted',
                cell: (token) => `${formatDateTime(parseIso(token.created_at))}${token.created_by ? ` by ${token.created_by}` : ''}`,
              },
              actionsColumn((token: EnrollmentToken) => (
                <button
                  type="button"
                  data-testid="enroll-token-delete"
                  className={dangerButton}
                  onClick={() => setPending(token)}
                  aria-label={`Delete ${tokenName(token)}`}
                >
                  Delete
                </button>
              )),
            ]}
          />
        )}
      </QueryState>
      {pending && (
        <ConfirmDialog
          open
          title="Delete this enrollment token?"
          confirmLabel="Delete token"
          pending={remove.isPending}
          onConfirm={confirmDelete}
          onCancel={() => setPending(null)}
        >
          “{tokenName(pending)}” will stop working at once. Agents already enrolled with it keep their own credentials.
        </ConfirmDialog>
      )}
    </Panel>
  );
}
