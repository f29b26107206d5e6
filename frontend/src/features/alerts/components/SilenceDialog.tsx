import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Dialog, DialogFormButtons } from '@/components/ui/Dialog';
import { Options, SelectField, TextField } from '@/components/ui/Field';
import { useFormFields } from '@/components/ui/Form';
import { describeError } from '@/lib/api';
import { canOperateHost, isAdministrator, operatedGroupIds } from '@/lib/roles';
import type { AlertRule } from '@/types/alerts';
import type { HostGroup, HostInfo, User } from '@/types/api';
import { useCreateSilence } from '../api/create-silence';
import { fromLocalInput, toLocalInput } from './parts';

const DEFAULT_HOURS = 2;

interface SilenceDialogProps {
  open: boolean;
  user: User | null | undefined;
  hosts: HostInfo[];
  groups: HostGroup[];
  rules: AlertRule[];
  onClose: () => void;
}

export function SilenceDialog({ open, onClose, ...rest }: SilenceDialogProps) {
  return (
    <Dialog open={open} title="New silence" onClose={onClose} wide testId="silence-dialog">
      {open && <SilenceForm {...rest} onClose={onClose} />}
    </Dialog>
  );
}

function SilenceForm({ user, hosts, groups, rules, onClose }: Omit<SilenceDialogProps, 'open'>) {
  const create = useCreateSilence();
  const [initial] = useState(() => ({
    host: '',
    group: '',
    rule: '',
    label: '',
    startsAt: toLocalInput(Date.now()),
    endsAt: toLocalInput(Date.now() + DEFAULT_HOURS * 3600_000),
    comment: '',
  }));
  const form = useFormFields(initial);
  const { host, group, rule, label, startsAt, endsAt, comment } = form.values;
  const admin = isAdministrator(user);
  const operated = operatedGroupIds(user);
  const hostChoices = hosts.filter((h) => canOperateHost(user, h)).sort((a, b) => a.hostname.localeCompare(b.hostname));
  const groupChoices = admin ? groups : groups.filter((g) => operated.has(g.id));

  const starts = fromLocalInput(startsAt);
  const ends = fromLocalInput(endsAt);
  const noMatcher = !host && !group && !rule && !label.trim();
  // Operators silence only what they operate: a host or a group of theirs must narrow it.
  const needsScope = !admin && !host && !group;
  const badTimes = starts === null || ends === null || Date.parse(ends) <= Date.parse(starts);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending || noMatcher || needsScope || badTimes || ends === null || starts === null) return;
    create.mutate(
      {
        host: host || null,
        group: group ? Number(group) : null,
        rule: rule ? Number(rule) : null,
        label: label.trim(),
        starts_at: starts,
        ends_at: ends,
        comment: comment.trim(),
      },
      { onSuccess: onClose },
    );
  };

  return (
    <form onSubmit={onSubmit} aria-label="New silence" data-testid="silence-form" className="space-y-3">
      <p className="text-sm text-muted">
        Alerts that match every field you set still show here, but send no notification while the silence lasts.
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField label="Host" optional data-testid="silence-host" {...form.bind('host')}>
          <option value="">Any host</option>
          <Options items={hostChoices} value={(h) => h.id} label={(h) => h.hostname} />
        </SelectField>
        <SelectField label="Group" optional data-testid="silence-group" {...form.bind('group')}>
          <option value="">Any group</option>
          <Options items={groupChoices} value={(g) => g.id} label={(g) => g.name} />
        </SelectField>
        <SelectField label="Rule" optional data-testid="silence-rule" {...form.bind('rule')}>
          <option value="">Any rule</option>
          <Options items={rules} value={(r) => r.id} label={(r) => r.name} />
        </SelectField>
        <TextField
          label="Series (label) pattern"
          optional
          data-testid="silence-label"
          placeholder="e.g. /var* or eth0"
          {...form.bind('label')}
        />
        <TextField label="Starts" type="datetime-local" data-testid="silence-starts" required {...form.bind('startsAt')} />
        <TextField label="Ends" type="datetime-local" data-testid="silence-ends" required {...form.bind('endsAt')} />
      </div>
      <TextField
        label="Comment"
        optional
        data-testid="silence-comment"
        placeholder="e.g. maintenance window: kernel upgrade"
        maxLength={500}
        {...form.bind('comment')}
      />
      {noMatcher && <p className="text-xs text-muted">Set at least one of host, group, rule or series pattern.</p>}
      {!noMatcher && needsScope && <p className="text-xs text-muted">Choose a host or a group you operate.</p>}
      {badTimes && <p className="text-xs text-crit">The silence must end after it starts.</p>}
      {create.isError && <Alert testId="silence-error">{describeError(create.error, 'The silence could not be created.')}</Alert>}
      <DialogFormButtons
        submitLabel="Create silence"
        submitTestId="silence-submit"
        pending={create.isPending}
        disabled={noMatcher || needsScope || badTimes}
        onCancel={onClose}
      />
    </form>
  );
}
