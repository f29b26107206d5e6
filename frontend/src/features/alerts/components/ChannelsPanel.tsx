import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmRemove } from '@/components/ui/ConfirmDialog';
import { DataTable } from '@/components/ui/DataTable';
import { Spinner } from '@/components/ui/Spinner';
import { dangerButton, primaryButton, smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import type { NotificationChannel } from '@/types/alerts';
import { useDeleteChannel } from '../api/delete-channel';
import { useChannels } from '../api/get-channels';
import { useHostGroups } from '@/lib/queries/host-groups';
import { useTestChannel, type ChannelTestResult } from '../api/test-channel';
import { ChannelDialog } from './ChannelDialog';
import { MailSettingsPanel } from './MailSettingsPanel';
import { EmptyList } from './parts';

function targetOf(channel: NotificationChannel): string {
  if (channel.kind === 'email') return (channel.config.to ?? []).join(', ');
  if (channel.kind === 'webhook') return channel.config.url ?? '';
  return 'the Apprise URL (secret)';
}

/** Admins only (the page shows the tab to admins; the hub refuses everyone else). */
export function ChannelsPanel() {
  const channels = useChannels(true);
  const groups = useHostGroups();
  const test = useTestChannel();
  const remove = useDeleteChannel();
  const [editing, setEditing] = useState<NotificationChannel | 'new' | null>(null);
  const [deleting, setDeleting] = useState<NotificationChannel | null>(null);
  const [results, setResults] = useState<Record<number, ChannelTestResult | { pending: true } | { failed: string }>>({});

  const sendTest = (channel: NotificationChannel) => {
    setResults((r) => ({ ...r, [channel.id]: { pending: true } }));
    test.mutate(channel.id, {
      onSuccess: (result) => setResults((r) => ({ ...r, [channel.id]: result })),
      onError: (error) => setResults((r) => ({ ...r, [channel.id]: { failed: describeError(error) } })),
    });
  };

  if (channels.isPending) return <Spinner label="Loading channels…" />;
  if (channels.isError) return <Alert>Could not load the channels: {describeError(channels.error)}</Alert>;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted">
          Where notifications go besides the bell: e-mail, signed webhooks, and chat or push services through Apprise.
        </p>
        <button type="button" data-testid="channel-new" className={primaryButton} onClick={() => setEditing('new')}>
          New channel
        </button>
      </div>
      {channels.data.length === 0 ? (
        <EmptyList>No channel yet.</EmptyList>
      ) : (
        <DataTable
          testId="channels"
          rows={channels.data}
          rowTestId="channel-row"
          rowProps={(channel) => ({ 'data-channel': channel.name })}
          columns={[
            {
              label: 'Channel',
              cell: (channel) => (
                <>
                  {channel.name}
                  {!channel.enabled && <span className="ml-2 text-xs text-muted">disabled</span>}
                </>
              ),
            },
            { label: 'Kind', className: 'text-xs', cell: (channel) => channel.kind },
            {
              label: 'Target',
              className: 'max-w-[16rem] truncate font-mono text-xs',
              cellProps: (channel) => ({ title: targetOf(channel) }),
              cell: targetOf,
            },
            {
              label: 'Secret',
              className: 'text-xs',
              cellProps: (channel) => ({ 'data-testid': 'channel-has-secret', 'data-set': channel.has_secret }),
              cell: (channel) => (channel.has_secret ? 'a secret is set' : '–'),
            },
            { label: 'Severity', className: 'text-xs', cell: (channel) => (channel.min_severity === 'critical' ? 'critical only' : 'all') },
            {
              label: 'Groups',
              className: 'text-xs',
              cell: (channel) =>
                channel.groups.length === 0
                  ? 'every group'
                  : channel.groups.map((id) => groups.data?.find((g) => g.id === id)?.name ?? `#${id}`).join(', '),
            },
            { label: 'Last sent', className: 'text-xs', cell: (channel) => formatDateTime(parseIso(channel.last_sent_at)) },
            {
              label: '',
              className: 'text-right',
              cell: (channel) => {
                const result = results[channel.id];
                return (
                  <>
                    <span className="inline-flex gap-1.5 whitespace-nowrap">
                      <button
                        type="button"
                        data-testid="channel-test"
                        className={smallButton}
                        disabled={result !== undefined && 'pending' in result}
                        onClick={() => sendTest(channel)}
                      >
                        Send a test
                      </button>
                      <button type="button" data-testid="channel-edit" className={smallButton} onClick={() => setEditing(channel)}>
                        Edit
                      </button>
                      <button type="button" data-testid="channel-delete" className={dangerButton} onClick={() => setDeleting(channel)}>
                        Delete
                      </button>
                    </span>
                    {result !== undefined && <TestResult result={result} />}
                  </>
                );
              },
            },
          ]}
        />
      )}
      <MailSettingsPanel />
      <ChannelDialog
        open={editing !== null}
        channel={editing === 'new' ? null : editing}
        groups={groups.data ?? []}
        onClose={() => setEditing(null)}
      />
      <ConfirmRemove target={deleting} remove={remove} onClose={() => setDeleting(null)} title="Delete this channel?" confirmLabel="Delete channel">
        <p>{deleting?.name} stops receiving notifications, including those still waiting to be sent.</p>
      </ConfirmRemove>
    </div>
  );
}

function TestResult({ result }: { result: ChannelTestResult | { pending: true } | { failed: string } }) {
  if ('pending' in result) {
    return (
      <p role="status" data-testid="channel-test-result" data-state="pending" className="mt-1 text-xs text-muted">
        Sending…
      </p>
    );
  }
  const error = 'failed' in result ? result.failed : result.error;
  const delivered = 'delivered' in result && result.delivered;
  return (
    <p
      role="status"
      data-testid="channel-test-result"
      data-state={delivered ? 'delivered' : 'failed'}
      className={`mt-1 max-w-xs whitespace-normal text-left text-xs ${delivered ? 'text-ok' : 'text-crit'}`}
    >
      {delivered ? 'Delivered.' : `Not delivered: ${error ?? 'unknown error'}`}
    </p>
  );
}
