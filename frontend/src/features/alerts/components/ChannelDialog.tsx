import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Dialog, DialogFormButtons } from '@/components/ui/Dialog';
import { SelectField, TextField } from '@/components/ui/Field';
import { useFormFields } from '@/components/ui/Form';
import { labelClass } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import type { ChannelKind, NotificationChannel, Severity } from '@/types/alerts';
import type { HostGroup } from '@/types/api';
import { useCreateChannel, type ChannelFields } from '../api/create-channel';
import { useUpdateChannel } from '../api/update-channel';

const SECRET_LABEL: Record<ChannelKind, string> = {
  webhook: 'Signing secret (HMAC-SHA256, at least 16 characters)',
  apprise: 'Apprise URL (e.g. ntfy://…, discord://…)',
  email: 'Secret',
};

interface ChannelDialogProps {
  open: boolean;
  /** Null: a new channel. */
  channel: NotificationChannel | null;
  groups: HostGroup[];
  onClose: () => void;
}

export function ChannelDialog({ open, channel, groups, onClose }: ChannelDialogProps) {
  return (
    <Dialog open={open} title={channel ? `Edit channel ${channel.name}` : 'New notification channel'} onClose={onClose} wide testId="channel-dialog">
      {open && <ChannelForm key={channel?.id ?? 'new'} channel={channel} groups={groups} onClose={onClose} />}
    </Dialog>
  );
}

function ChannelForm({ channel, groups, onClose }: Omit<ChannelDialogProps, 'open'>) {
  const create = useCreateChannel();
  const update = useUpdateChannel();
  const mutation = channel ? update : create;
  const [kind, setKind] = useState<ChannelKind>(channel?.kind ?? 'webhook');
  const form = useFormFields({
    name: channel?.name ?? '',
    to: (channel?.config.to ?? []).join(', '),
    url: channel?.config.url ?? '',
    // Never prefilled: the hub does not send secrets back. Empty on an edit keeps the saved one.
    secret: '',
  });
  const { name, to, url, secret } = form.values;
  const [minSeverity, setMinSeverity] = useState<Severity>(channel?.min_severity ?? 'warning');
  const [chosenGroups, setChosenGroups] = useState<Set<number>>(() => new Set(channel?.groups ?? []));
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);
  const keepsSecret = channel !== null && channel.has_secret && channel.kind === kind;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (mutation.isPending) return;
    const config =
      kind === 'email'
        ? {
            to: to
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean),
          }
        : kind === 'webhook'
          ? { url: url.trim() }
          : {};
    const fields: ChannelFields = {
      name: name.trim(),
      kind,
      config,
      min_severity: minSeverity,
      groups: [...chosenGroups],
      enabled,
    };
    if (secret) fields.secret = secret;
    if (channel) update.mutate({ id: channel.id, changes: fields }, { onSuccess: onClose });
    else create.mutate(fields, { onSuccess: onClose });
  };

  const toggleGroup = (id: number, on: boolean) =>
    setChosenGroups((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  return (
    <form onSubmit={onSubmit} aria-label={channel ? 'Edit channel' : 'New channel'} data-testid="channel-form" className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Name" data-testid="channel-name" required maxLength={100} autoComplete="off" {...form.bind('name')} />
        <SelectField label="Kind" data-testid="channel-kind" value={kind} onChange={(e) => setKind(e.target.value as ChannelKind)}>
          <option value="webhook">Webhook (signed JSON)</option>
          <option value="email">E-mail</option>
          <option value="apprise">Apprise (Slack, Discord, Telegram, ntfy, …)</option>
        </SelectField>
      </div>
      {kind === 'email' && (
        <TextField
          label="Recipients (comma-separated)"
          data-testid="channel-to"
          required
          placeholder="ops@example.com"
          {...form.bind('to')}
        />
      )}
      {kind === 'webhook' && (
        <TextField label="URL" data-testid="channel-url" type="url" required placeholder="https://…" {...form.bind('url')} />
      )}
      {kind !== 'email' && (
        <div className="space-y-1">
          <TextField
            label={SECRET_LABEL[kind]}
            data-testid="channel-secret"
            type="password"
            autoComplete="new-password"
            required={!keepsSecret}
            placeholder={keepsSecret ? 'a secret is set: leave empty to keep it' : ''}
            {...form.bind('secret')}
          />
          <p className="text-xs text-muted">
            {keepsSecret ? (
              <span data-testid="channel-secret-set">A secret is set. It is never shown again; type a new one to replace it.</span>
            ) : (
              'Stored by the hub and never shown again after saving.'
            )}
          </p>
        </div>
      )}
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label="Send alerts of severity"
          data-testid="channel-min-severity"
          value={minSeverity}
          onChange={(e) => setMinSeverity(e.target.value as Severity)}
        >
          <option value="warning">Warning and critical</option>
          <option value="critical">Critical only</option>
        </SelectField>
        <label className="flex items-center gap-2 self-end pb-2 text-sm">
          <input type="checkbox" data-testid="channel-enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Enabled
        </label>
      </div>
      <fieldset className="space-y-1">
        <legend className={labelClass}>Host groups (none chosen: every group)</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-1">
          {groups.map((g) => (
            <label key={g.id} className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" checked={chosenGroups.has(g.id)} onChange={(e) => toggleGroup(g.id, e.target.checked)} />
              {g.name}
            </label>
          ))}
          {groups.length === 0 && <span className="text-xs text-muted">No host group yet.</span>}
        </div>
      </fieldset>
      {mutation.isError && <Alert testId="channel-error">{describeError(mutation.error, 'The channel could not be saved.')}</Alert>}
      <DialogFormButtons
        submitLabel={channel ? 'Save channel' : 'Create channel'}
        submitTestId="channel-submit"
        pending={mutation.isPending}
        onCancel={onClose}
      />
    </form>
  );
}
