import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { Spinner } from '@/components/ui/Spinner';
import { TableHead } from '@/components/ui/TableHead';
import { dangerButton, primaryButton, smallButton, tableClass, tdClass } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import { canManageAlertScope, canManageAlerts } from '@/lib/roles';
import { useNow } from '@/lib/use-now';
import type { Silence } from '@/types/alerts';
import { useDeleteSilence } from '../api/delete-silence';
import { useExpireSilence } from '../api/expire-silence';
import { useHostGroups } from '@/lib/queries/host-groups';
import { useHosts } from '@/lib/queries/hosts';
import { useMe } from '@/lib/queries/me';
import { useRules } from '../api/get-rules';
import { useSilences } from '../api/get-silences';
import { SilenceDialog } from './SilenceDialog';
import { scopeText } from './parts';

const COLUMNS = ['Matches', 'Rule', 'Series', 'Starts', 'Ends', 'Comment', 'By', ''] as const;

export function SilencesPanel() {
  const silences = useSilences();
  const hosts = useHosts();
  const groups = useHostGroups();
  const rules = useRules();
  const me = useMe();
  const expire = useExpireSilence();
  const remove = useDeleteSilence();
  const now = useNow(15_000);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Silence | null>(null);
  const user = me.data;

  if (silences.isPending) return <Spinner label="Loading silences…" />;
  if (silences.isError) return <Alert>Could not load the silences: {describeError(silences.error)}</Alert>;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted">Active and upcoming silences (maintenance windows).</p>
        {canManageAlerts(user) && (
          <button type="button" data-testid="silence-new" className={primaryButton} onClick={() => setCreating(true)}>
            New silence
          </button>
        )}
      </div>
      {expire.isError && <Alert>{describeError(expire.error, 'The silence could not be ended.')}</Alert>}
      {silences.data.length === 0 ? (
        <p data-testid="silences-empty" className="rounded-lg border border-dashed border-border p-8 text-center text-sm text-muted">
          No active silence.
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className={tableClass} data-testid="silences">
            <TableHead columns={COLUMNS} />
            <tbody>
              {silences.data.map((silence) => {
                const starts = parseIso(silence.starts_at);
                const host = silence.host === null ? null : (hosts.data?.find((h) => h.id === silence.host) ?? null);
                const manage = canManageAlertScope(user, {
                  host,
                  group: silence.group,
                  global: silence.host === null && silence.group === null,
                });
                return (
                  <tr key={silence.id} data-testid="silence-row" data-silence-id={silence.id} data-comment={silence.comment}>
                    <td className={`${tdClass} text-xs`}>{scopeText(silence, hosts.data, groups.data)}</td>
                    <td className={`${tdClass} text-xs`}>
                      {silence.rule === null ? 'any' : (rules.data?.find((r) => r.id === silence.rule)?.name ?? `#${silence.rule}`)}
                    </td>
                    <td className={`${tdClass} font-mono text-xs`}>{silence.label || 'any'}</td>
                    <td className={`${tdClass} text-xs`}>
                      {formatDateTime(starts)}
                      {starts !== null && starts > now && <span className="ml-1 text-muted">(upcoming)</span>}
                    </td>
                    <td className={`${tdClass} text-xs`}>{formatDateTime(parseIso(silence.ends_at))}</td>
                    <td className={`${tdClass} text-xs`}>{silence.comment || '–'}</td>
                    <td className={`${tdClass} text-xs`}>{silence.created_by ?? '–'}</td>
                    <td className={`${tdClass} whitespace-nowrap text-right`}>
                      {manage && (
                        <span className="inline-flex gap-1.5">
                          <button
                            type="button"
                            data-testid="silence-expire"
                            className={smallButton}
                            disabled={expire.isPending}
                            onClick={() => expire.mutate(silence)}
                          >
                            End now
                          </button>
                          <button type="button" data-testid="silence-delete" className={dangerButton} onClick={() => setDeleting(silence)}>
                            Delete
                          </button>
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <SilenceDialog
        open={creating}
        user={user}
        hosts={hosts.data ?? []}
        groups={groups.data ?? []}
        rules={rules.data ?? []}
        onClose={() => setCreating(false)}
      />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this silence?"
        confirmLabel="Delete silence"
        pendingLabel="Deleting…"
        pending={remove.isPending}
        error={remove.isError ? describeError(remove.error) : null}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        onCancel={() => {
          remove.reset();
          setDeleting(null);
        }}
      >
        <p>Its alerts notify again at once; “End now” does the same but keeps the silence on record.</p>
      </ConfirmDialog>
    </div>
  );
}
