import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { dangerButton } from '@/components/ui/styles';
import { isApiError } from '@/lib/api';
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
      {tokens.isPending && <Spinner label="Loading tokens…" />}
      {tokens.isError && (
        <Alert>{isApiError(tokens.error) ? tokens.error.message : 'Could not load the enrollment tokens.'}</Alert>
      )}
      {remove.isError && (
        <Alert>{isApiError(remove.error) ? remove.error.message : 'Could not delete the token.'}</Alert>
      )}
      {tokens.data && tokens.data.length === 0 && <p className="text-sm text-muted">No enrollment tokens.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[44rem] text-left text-sm">
            <thead className="text-xs text-muted">
              <tr>
                <th scope="col" className="py-1.5 pr-3 font-medium">Description</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Group</th>
                <th scope="col" className="py-1.5 pr-3 text-right font-medium">Uses left</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Expires</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">State</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Created</th>
                <th scope="col" className="py-1.5 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="tabular-nums">
              {tokens.data.map((token) => (
                <tr
                  key={token.id}
                  data-testid="enroll-token-row"
                  data-expired={token.expired}
                  className={`border-t border-border ${token.expired ? 'text-muted' : ''}`}
                >
                  <td className="py-1.5 pr-3 break-all">{tokenName(token)}</td>
                  <td className="py-1.5 pr-3 text-xs">
                    {token.host ? `replaces the agent of ${token.host.hostname}` : token.group ? token.group.name : '–'}
                  </td>
                  <td className="py-1.5 pr-3 text-right">{token.uses_left}</td>
                  <td className="py-1.5 pr-3 text-xs">{formatDateTime(parseIso(token.expires_at))}</td>
                  <td className="py-1.5 pr-3">
                    <TokenState token={token} />
                  </td>
                  <td className="py-1.5 pr-3 text-xs text-muted">
                    {formatDateTime(parseIso(token.created_at))}
                    {token.created_by ? ` by ${token.created_by}` : ''}
                  </td>
                  <td className="py-1.5 text-right">
                    <button
                      type="button"
                      data-testid="enroll-token-delete"
                      className={dangerButton}
                      onClick={() => setPending(token)}
                      aria-label={`Delete ${tokenName(token)}`}
                    >
                      Delete
                    </button>
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
