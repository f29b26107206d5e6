import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmRemove } from '@/components/ui/ConfirmDialog';
import { actionsColumn, DataTable } from '@/components/ui/DataTable';
import { Options, SelectField, TextField } from '@/components/ui/Field';
import { useFormFields } from '@/components/ui/Form';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { dangerButton, labelClass, primaryButton, smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatAgo, formatDateTime, parseIso } from '@/lib/format';
import { operatesGroup } from '@/lib/roles';
import { useCreateApiToken, type CreatedApiToken } from '../api/create-api-token';
import { useTokenGroups } from '../api/get-token-groups';
import { useApiTokens, type ApiToken, type ApiTokenRole } from '../api/list-api-tokens';
import { useRevokeApiToken } from '../api/revoke-api-token';

const EXPIRY_DAYS = [30, 90, 180, 365];
const ROLE_TEXT: Record<ApiTokenRole, string> = { read: 'Read-only', operate: 'Operator' };

/** Personal API tokens for scripts and Prometheus: create (the secret shown once), list, revoke. */
export function ApiTokensPanel() {
  const tokens = useApiTokens();
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const revoke = useRevokeApiToken();

  return (
    <Panel title="API tokens" testId="api-tokens">
      <p className="mb-3 text-sm text-muted">
        For scripts and scrapers: send <code className="text-fg">Authorization: Bearer eva_…</code> to the REST API or{' '}
        <code className="text-fg">/metrics</code>. A token sees only the host groups chosen for it (never more than you do), cannot
        manage users or tokens, and does not open the dashboard. Changing your password keeps your tokens; revoke one here.
      </p>
      {created && <NewSecret token={created} onDone={() => setCreated(null)} />}
      <CreateTokenForm onCreated={setCreated} />
      {tokens.isPending && <Spinner label="Loading your tokens…" />}
      {tokens.isError && <Alert>{describeError(tokens.error, 'Your API tokens could not be loaded.')}</Alert>}
      {tokens.data && tokens.data.length > 0 && (
        <div className="mt-4">
          <DataTable
            testId="api-token-list"
            className="w-full border-collapse text-left text-sm"
            rows={tokens.data}
            rowTestId="api-token-row"
            columns={[
              {
                label: 'Name',
                cell: (token) => (
                  <>
                    <div className="font-medium">{token.name}</div>
                    <code className="text-xs text-muted">{token.prefix}…</code>
                  </>
                ),
              },
              {
                label: 'Access',
                cell: (token) => (
                  <>
                    {ROLE_TEXT[token.role]}
                    <div className="text-xs text-muted">{token.groups.map((g) => g.name).join(', ') || 'no group left'}</div>
                  </>
                ),
              },
              {
                label: 'Expires',
                cell: (token) =>
                  token.state === 'active' ? formatDateTime(parseIso(token.expires_at)) : <span className="text-crit">{token.state}</span>,
              },
              {
                label: 'Last used',
                cellProps: (token) => ({ title: token.last_used_ip ?? undefined }),
                cell: (token) => (token.last_used_at ? formatAgo(parseIso(token.last_used_at)) : 'never'),
              },
              actionsColumn((token: ApiToken) =>
                token.state === 'active' && (
                  <button type="button" className={dangerButton} data-testid="api-token-revoke" onClick={() => setRevoking(token)}>
                    Revoke
                  </button>
                )),
            ]}
          />
        </div>
      )}
      <ConfirmRemove
        target={revoking}
        remove={revoke}
        onClose={() => setRevoking(null)}
        title="Revoke API token"
        confirmLabel="Revoke"
        pendingLabel="Revoking…"
        failure="The token could not be revoked."
      >
        <p>Scripts using “{revoking?.name}” stop working at once. This cannot be undone.</p>
      </ConfirmRemove>
    </Panel>
  );
}

function NewSecret({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="mb-4 space-y-2 rounded-md border border-accent/50 p-3" data-testid="api-token-secret">
      <p className="text-sm text-fg">
        Token “{token.name}” created. Copy it now: it is shown only once and cannot be recovered.
      </p>
      <code className="block break-all rounded bg-surface-2 p-2 text-xs text-fg" data-testid="api-token-secret-value">
        {token.secret}
      </code>
      <div className="flex gap-2">
        <button
          type="button"
          className={smallButton}
          onClick={() => {
            void navigator.clipboard?.writeText(token.secret).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className={smallButton} onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (token: CreatedApiToken) => void }) {
  const groups = useTokenGroups();
  const create = useCreateApiToken();
  const form = useFormFields({ name: '' });
  const name = form.values.name;
  const [role, setRole] = useState<ApiTokenRole>('read');
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [days, setDays] = useState(90);

  // An operator token needs groups the user operates; owners and admins operate every group.
  const offered = (groups.data ?? []).filter((g) => role === 'read' || operatesGroup(g));

  const toggle = (id: number) =>
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    const ids = offered.filter((g) => chosen.has(g.id)).map((g) => g.id);
    create.mutate(
      { name, role, groups: ids, expires_in_days: days },
      {
        onSuccess: (token) => {
          form.reset();
          setChosen(new Set());
          onCreated(token);
        },
      },
    );
  };

  return (
    <form onSubmit={onSubmit} className="space-y-3" aria-label="Create API token">
      <div className="flex flex-wrap gap-3">
        <TextField
          label="Name"
          className="min-w-48 flex-1"
          data-testid="api-token-name"
          required
          maxLength={100}
          placeholder="prometheus on grafana-1"
          {...form.bind('name')}
        />
        <SelectField label="Access" data-testid="api-token-role" value={role} onChange={(e) => setRole(e.target.value as ApiTokenRole)}>
          <option value="read">Read-only</option>
          <option value="operate">Operator (run tools, manage alerts)</option>
        </SelectField>
        <SelectField label="Expires in" data-testid="api-token-expiry" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <Options items={EXPIRY_DAYS} value={(d) => d} label={(d) => `${d} days`} />
        </SelectField>
      </div>
      <fieldset>
        <legend className={labelClass}>Host groups</legend>
        {groups.isError && <Alert>{describeError(groups.error, 'The host groups could not be loaded.')}</Alert>}
        {groups.data && offered.length === 0 && (
          <p className="text-sm text-muted">
            {role === 'read' ? 'You see no host group yet.' : 'You operate no host group: an operator token could do nothing.'}
          </p>
        )}
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {offered.map((g) => (
            <label key={g.id} className="flex items-center gap-1.5 text-sm text-fg">
              <input type="checkbox" data-testid="api-token-group" checked={chosen.has(g.id)} onChange={() => toggle(g.id)} />
              {g.name}
            </label>
          ))}
        </div>
      </fieldset>
      {create.isError && <Alert testId="api-token-error">{describeError(create.error, 'The token could not be created.')}</Alert>}
      <button
        type="submit"
        data-testid="api-token-create"
        className={primaryButton}
        disabled={create.isPending || !offered.some((g) => chosen.has(g.id))}
      >
        {create.isPending ? 'Creating…' : 'Create token'}
      </button>
    </form>
  );
}
