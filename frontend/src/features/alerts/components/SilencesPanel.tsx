import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmRemove } from '@/components/ui/ConfirmDialog';
import { DataTable } from '@/components/ui/DataTable';
import { Spinner } from '@/components/ui/Spinner';
import { dangerButton, primaryButton, smallButton } from '@/components/ui/styles';
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
import { EmptyList, scopeText } from './parts';

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

  const mayManage = (silence: Silence) =>
    canManageAlertScope(user, {
      host: silence.host === null ? null : (hosts.data?.find((h) => h.id === silence.host) ?? null),
      group: silence.group,
      global: silence.host === null && silence.group === null,
    });

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
        <EmptyList testId="silences-empty">No active silence.</EmptyList>
      ) : (
        <DataTable
          testId="silences"
          rows={silences.data}
          rowTestId="silence-row"
          rowProps={(silence) => ({ 'data-silence-id': silence.id, 'data-comment': silence.comment })}
          columns={[
            { label: 'Matches', className: 'text-xs', cell: (silence) => scopeText(silence, hosts.data, groups.data) },
            {
              label: 'Rule',
              className: 'text-xs',
              cell: (silence) =>
                silence.rule === null ? 'any' : (rules.data?.find((r) => r.id === silence.rule)?.name ?? `#${silence.rule}`),
            },
            { label: 'Series', className: 'font-mono text-xs', cell: (silence) => silence.label || 'any' },
            {
              label: 'Starts',
              className: 'text-xs',
              cell: (silence) => {
                const starts = parseIso(silence.starts_at);
                return (
                  <>
                    {formatDateTime(starts)}
                    {starts !== null && starts > now && <span className="ml-1 text-muted">(upcoming)</span>}
                  </>
                );
              },
            },
            { label: 'Ends', className: 'text-xs', cell: (silence) => formatDateTime(parseIso(silence.ends_at)) },
            { label: 'Comment', className: 'text-xs', cell: (silence) => silence.comment || '–' },
            { label: 'By', className: 'text-xs', cell: (silence) => silence.created_by ?? '–' },
            {
              label: '',
              className: 'whitespace-nowrap text-right',
              cell: (silence) =>
                mayManage(silence) && (
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
                ),
            },
          ]}
        />
      )}
      <SilenceDialog
        open={creating}
        user={user}
        hosts={hosts.data ?? []}
        groups={groups.data ?? []}
        rules={rules.data ?? []}
        onClose={() => setCreating(false)}
      />
      <ConfirmRemove target={deleting} remove={remove} onClose={() => setDeleting(null)} title="Delete this silence?" confirmLabel="Delete silence">
        <p>Its alerts notify again at once; “End now” does the same but keeps the silence on record.</p>
      </ConfirmRemove>
    </div>
  );
}
