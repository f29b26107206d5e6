import { useEffect, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Dialog, DialogFormButtons } from '@/components/ui/Dialog';
import { Options, SelectField, TextField } from '@/components/ui/Field';
import { describeError } from '@/lib/api';
import { canOperateHost, isAdministrator, operatedGroupIds } from '@/lib/roles';
import type { AlertRule, Comparison, NetworkEventKind, RuleSource, Severity } from '@/types/alerts';
import type { Host, HostGroup, User } from '@/types/api';
import { useCreateRule, type RuleFields } from '../api/create-rule';
import { useAlertMetrics } from '../api/get-alert-metrics';
import { useHostNetworks } from '../api/get-host-networks';
import { useNetwork } from '../api/get-network';
import { useUpdateRule } from '../api/update-rule';
import { previewRule } from './rule-preview';

type ScopeKind = 'all' | 'group' | 'host' | 'network';

const NETWORK_EVENTS: { kind: NetworkEventKind; label: string }[] = [
  { kind: 'device_new', label: 'A new device appears' },
  { kind: 'device_gone', label: 'A device is gone' },
  { kind: 'port_opened', label: 'A port opens' },
  { kind: 'port_closed', label: 'A port closes' },
];

function isNetworkEvent(value: string): value is NetworkEventKind {
  return NETWORK_EVENTS.some((e) => e.kind === value);
}

/** What a rule's match and exclude patterns are tested against, with an example pattern; null: the
 * source has no pair of them (a network event rule has only a match pattern, asked on its own). */
function matchFilter(source: RuleSource, metricKey: string | undefined): { noun: string; example: string } | null {
  if (source === 'job_failed') return { noun: 'tools', example: 'discover' };
  if (source === 'tls_expiry') return { noun: 'targets', example: '*:443' };
  if (source === 'metric' && metricKey) return { noun: `the ${metricKey}s`, example: '/ or eth*' };
  return null;
}

interface FormState {
  name: string;
  source: RuleSource;
  metric: string;
  event: NetworkEventKind;
  match: string;
  exclude: string;
  comparison: Comparison;
  threshold: string;
  forSeconds: string;
  clearThreshold: string;
  clearSeconds: string;
  severity: Severity;
  repeatMinutes: string;
  scope: ScopeKind;
  group: string;
  host: string;
  /** The host whose networks the network choice lists. */
  networkHost: string;
  network: string;
  enabled: boolean;
}

/** The fields held as the text of an input. */
type TextKey = { [K in keyof FormState]: FormState[K] extends string ? (string extends FormState[K] ? K : never) : never }[keyof FormState];

function initialState(rule: AlertRule | null, user: User | null | undefined): FormState {
  if (rule) {
    return {
      name: rule.name,
      source: rule.source,
      metric: rule.source === 'metric' ? rule.metric : 'cpu.percent',
      event: isNetworkEvent(rule.metric) ? rule.metric : 'device_new',
      match: rule.match,
      exclude: rule.exclude.join(', '),
      comparison: rule.comparison,
      threshold: String(rule.threshold),
      forSeconds: String(rule.for_seconds),
      clearThreshold: rule.clear_threshold === null ? '' : String(rule.clear_threshold),
      clearSeconds: String(rule.clear_seconds),
      severity: rule.severity,
      repeatMinutes: String(rule.repeat_minutes),
      scope: rule.network !== null ? 'network' : rule.host !== null ? 'host' : rule.group !== null ? 'group' : 'all',
      group: rule.group === null ? '' : String(rule.group),
      host: rule.host ?? '',
      networkHost: '',
      network: rule.network === null ? '' : String(rule.network),
      enabled: rule.enabled,
    };
  }
  return {
    name: '',
    source: 'metric',
    metric: 'cpu.percent',
    event: 'device_new',
    match: '',
    exclude: '',
    comparison: '>',
    threshold: '90',
    forSeconds: '300',
    clearThreshold: '',
    clearSeconds: '0',
    severity: 'warning',
    repeatMinutes: '0',
    // Only admins may write rules that cover every host.
    scope: isAdministrator(user) ? 'all' : 'group',
    group: '',
    host: '',
    networkHost: '',
    network: '',
    enabled: true,
  };
}

function toNumber(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

interface RuleDialogProps {
  open: boolean;
  /** Null: a new rule. */
  rule: AlertRule | null;
  user: User | null | undefined;
  hosts: Host[];
  groups: HostGroup[];
  onClose: () => void;
}

export function RuleDialog({ open, rule, user, hosts, groups, onClose }: RuleDialogProps) {
  return (
    <Dialog open={open} title={rule ? `Edit rule ${rule.name}` : 'New alert rule'} onClose={onClose} wide testId="rule-dialog">
      {open && <RuleForm key={rule?.id ?? 'new'} rule={rule} user={user} hosts={hosts} groups={groups} onClose={onClose} />}
    </Dialog>
  );
}

function RuleForm({ rule, user, hosts, groups, onClose }: Omit<RuleDialogProps, 'open'>) {
  const [form, setForm] = useState<FormState>(() => initialState(rule, user));
  const metrics = useAlertMetrics();
  const create = useCreateRule();
  const update = useUpdateRule();
  const mutation = rule ? update : create;
  const admin = isAdministrator(user);
  const operated = operatedGroupIds(user);
  const groupChoices = admin ? groups : groups.filter((g) => operated.has(g.id));
  const hostChoices = hosts.filter((h) => canOperateHost(user, h)).sort((a, b) => a.hostname.localeCompare(b.hostname));
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  /** An input's value and onChange, for the text fields of the form. */
  const bind = (key: TextKey) => ({ value: form[key], onChange: (e: { target: { value: string } }) => set(key, e.target.value) });
  /** A required whole number from zero: seconds, minutes. */
  const countField = (key: TextKey, label: string, testId: string) => (
    <TextField label={label} data-testid={testId} type="number" min={0} required {...bind(key)} />
  );
  const metric = metrics.data?.find((m) => m.name === form.metric);
  const filter = matchFilter(form.source, metric?.key);
  const watched = useNetwork(rule?.network ?? null);
  const networks = useHostNetworks(form.scope === 'network' ? form.networkHost : null);

  useEffect(() => {
    // Editing a rule that watches a network: list that network's host's networks.
    if (watched.data) setForm((f) => (f.networkHost ? f : { ...f, networkHost: watched.data.host }));
  }, [watched.data]);

  const fields: RuleFields = {
    name: form.name.trim(),
    source: form.source,
    metric: form.source === 'metric' ? form.metric : form.source === 'network_event' ? form.event : '',
    match: form.match.trim(),
    exclude: form.exclude
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    // Only metric rules choose a direction; the other sources count upwards.
    comparison: form.source === 'metric' ? form.comparison : form.source === 'tls_expiry' ? '<' : '>',
    // A job_failed rule has no threshold: any failed run fires.
    threshold: form.source === 'job_failed' ? 0 : toNumber(form.threshold),
    for_seconds: toNumber(form.forSeconds),
    clear_threshold: form.clearThreshold.trim() === '' ? null : toNumber(form.clearThreshold),
    clear_seconds: toNumber(form.clearSeconds),
    severity: form.severity,
    repeat_minutes: toNumber(form.repeatMinutes),
    host: form.scope === 'host' && form.host ? form.host : null,
    group: form.scope === 'group' && form.group ? Number(form.group) : null,
    network: form.scope === 'network' && form.network ? Number(form.network) : null,
    enabled: form.enabled,
  };
  const scopeMissing =
    (form.scope === 'group' && fields.group === null) ||
    (form.scope === 'host' && fields.host === null) ||
    (form.scope === 'network' && (fields.network === null || form.source !== 'network_event'));
  const numbersBad = [fields.threshold, fields.for_seconds, fields.clear_seconds, fields.repeat_minutes].some(
    (n) => !Number.isFinite(n),
  );

  // Cheap even for thousands of hosts: one pass over their latest samples per keystroke.
  const stateless =
    form.source === 'network_event' || form.source === 'agent_dropping' || form.source === 'job_failed' || form.source === 'tls_expiry';
  const preview = scopeMissing || stateless ? null : previewRule(fields, hosts);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (mutation.isPending || scopeMissing || numbersBad) return;
    if (rule) update.mutate({ id: rule.id, changes: fields }, { onSuccess: onClose });
    else create.mutate(fields, { onSuccess: onClose });
  };

  return (
    <form onSubmit={onSubmit} aria-label={rule ? 'Edit rule' : 'New rule'} data-testid="rule-form" className="space-y-3">
      <TextField label="Name" data-testid="rule-name" required maxLength={200} autoComplete="off" {...bind('name')} />
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label="Source"
          data-testid="rule-source"
          value={form.source}
          onChange={(e) => {
            const source = e.target.value as RuleSource;
            setForm((f) => ({
              ...f,
              source,
              scope: source !== 'network_event' && f.scope === 'network' ? 'host' : f.scope,
              // A new agent-dropping rule starts as the default one: any drop, clears after 5 min.
              ...(source === 'agent_dropping' && !rule ? { threshold: '0', forSeconds: '0', clearSeconds: '300' } : {}),
              ...(source === 'tls_expiry' && !rule ? { threshold: '14' } : {}),
            }));
          }}
        >
          <option value="metric">A metric</option>
          <option value="host_offline">Host offline</option>
          <option value="network_event">A network event</option>
          <option value="agent_dropping">Agent dropping samples</option>
          <option value="job_failed">A scheduled scan fails</option>
          <option value="tls_expiry">A TLS certificate expires soon</option>
        </SelectField>
        {form.source === 'network_event' && (
          <SelectField label="Event" data-testid="rule-event" value={form.event} onChange={(e) => set('event', e.target.value as NetworkEventKind)}>
            <Options items={NETWORK_EVENTS} value={(e) => e.kind} label={(e) => e.label} />
          </SelectField>
        )}
        {form.source === 'metric' && (
          <SelectField label="Metric" data-testid="rule-metric" {...bind('metric')}>
            <Options
              items={metrics.data ?? [{ name: form.metric, description: form.metric, unit: '', key: '' }]}
              value={(m) => m.name}
              label={(m) => `${m.description} (${m.name})`}
            />
          </SelectField>
        )}
      </div>
      {form.source === 'network_event' && (
        <TextField
          label="Only addresses matching"
          optional
          data-testid="rule-match"
          placeholder="e.g. 10.0.0.* or *:22/tcp"
          {...bind('match')}
        />
      )}
      {filter && (
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField
            label={`Only ${filter.noun} matching`}
            optional
            data-testid="rule-match"
            placeholder={`* (every one), e.g. ${filter.example}`}
            {...bind('match')}
          />
          <TextField
            label={`Except ${filter.noun} matching`}
            optional
            data-testid="rule-exclude"
            placeholder="patterns, comma-separated"
            {...bind('exclude')}
          />
        </div>
      )}
      {form.source !== 'network_event' && form.source !== 'job_failed' && (
        <div className="grid gap-3 sm:grid-cols-3">
          {form.source === 'metric' && (
            <SelectField
              label="Fires when the value is"
              data-testid="rule-comparison"
              value={form.comparison}
              onChange={(e) => set('comparison', e.target.value as Comparison)}
            >
              <option value=">">above (&gt;)</option>
              <option value=">=">at or above (≥)</option>
              <option value="<">below (&lt;)</option>
              <option value="<=">at or below (≤)</option>
            </SelectField>
          )}
          <TextField
            label={
              form.source === 'metric'
                ? `Threshold${metric?.unit ? ` (${metric.unit})` : ''}`
                : form.source === 'agent_dropping'
                  ? 'Fires above this many dropped samples'
                  : form.source === 'tls_expiry'
                    ? 'Fires under this many days left'
                    : 'Missed collection intervals'
            }
            data-testid="rule-threshold"
            type="number"
            step="any"
            required
            {...bind('threshold')}
          />
          {(form.source === 'metric' || form.source === 'agent_dropping') &&
            countField('forSeconds', form.source === 'metric' ? 'For (seconds)' : 'Within (seconds, 0: one report)', 'rule-for')}
        </div>
      )}
      {form.source === 'agent_dropping' && countField('clearSeconds', 'Clears after (seconds without a new drop)', 'rule-clear-for')}
      {form.source === 'metric' && (
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField
            label="Clears on the other side of"
            optional
            data-testid="rule-clear-threshold"
            type="number"
            step="any"
            placeholder="the threshold"
            {...bind('clearThreshold')}
          />
          {countField('clearSeconds', '…for (seconds)', 'rule-clear-for')}
        </div>
      )}
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField label="Severity" data-testid="rule-severity" value={form.severity} onChange={(e) => set('severity', e.target.value as Severity)}>
          <option value="warning">Warning</option>
          <option value="critical">Critical</option>
        </SelectField>
        {countField('repeatMinutes', 'Repeat every (minutes, 0: never)', 'rule-repeat')}
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField label="Applies to" data-testid="rule-scope" value={form.scope} onChange={(e) => set('scope', e.target.value as ScopeKind)}>
          {admin && <option value="all">Every host</option>}
          <option value="group">A host group</option>
          <option value="host">One host</option>
          {form.source === 'network_event' && <option value="network">One network</option>}
        </SelectField>
        {form.scope === 'group' && (
          <SelectField label="Group" data-testid="rule-group" required {...bind('group')}>
            <option value="">Choose a group…</option>
            <Options items={groupChoices} value={(g) => g.id} label={(g) => g.name} />
          </SelectField>
        )}
        {form.scope === 'host' && (
          <SelectField label="Host" data-testid="rule-host" required {...bind('host')}>
            <option value="">Choose a host…</option>
            <Options items={hostChoices} value={(h) => h.id} label={(h) => h.hostname} />
          </SelectField>
        )}
        {form.scope === 'network' && (
          <SelectField
            label="Seen from host"
            data-testid="rule-network-host"
            required
            value={form.networkHost}
            onChange={(e) => setForm((f) => ({ ...f, networkHost: e.target.value, network: '' }))}
          >
            <option value="">Choose a host…</option>
            <Options items={hostChoices} value={(h) => h.id} label={(h) => h.hostname} />
          </SelectField>
        )}
      </div>
      {form.scope === 'network' && form.networkHost && (
        <SelectField label="Network" data-testid="rule-network" required {...bind('network')}>
          <option value="">{networks.isPending ? 'Loading networks…' : 'Choose a network…'}</option>
          <Options items={networks.data ?? []} value={(n) => n.id} label={(n) => (n.name ? `${n.name} (${n.cidr})` : n.cidr)} />
        </SelectField>
      )}
      {form.source === 'network_event' && form.scope !== 'network' && (
        <p className="text-xs text-muted">Without one network chosen, the rule watches every network in its scope that a schedule scans.</p>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" data-testid="rule-enabled" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} />
        Enabled
      </label>
      <p data-testid="rule-preview" data-count={preview?.breaching.length ?? ''} className="rounded-md bg-surface-2 px-3 py-2 text-sm">
        {preview === null ? (
          <span className="text-muted">
            {form.source === 'network_event'
              ? 'A network event fires when a scan finds the change: there is no state to preview.'
              : form.source === 'agent_dropping'
                ? 'Fires when an agent reports samples dropped from its full spool: there is no state to preview.'
                : form.source === 'job_failed'
                  ? "Fires when a schedule's run fails or is interrupted; resolves when its next run succeeds."
                  : form.source === 'tls_expiry'
                    ? 'Fires when a scheduled TLS check finds the certificate expiring; resolves when a later check finds it renewed.'
                  : scopeMissing
                ? 'Choose where the rule applies to see which hosts it would fire on.'
                : 'No preview for this metric.'}
          </span>
        ) : (
          <>
            Would fire on <strong>{preview.breaching.length}</strong> of the {preview.inScope} host
            {preview.inScope === 1 ? '' : 's'} you see in its scope right now
            {preview.breaching.length > 0 && ` (${preview.breaching.slice(0, 5).join(', ')}${preview.breaching.length > 5 ? ', …' : ''})`}
            {preview.unknown > 0 && `; ${preview.unknown} without a current value`}.{' '}
            <span className="text-muted">
              From each host's latest sample{form.source === 'metric' ? ', once the condition has held for its duration' : ''}.
            </span>
          </>
        )}
      </p>
      {mutation.isError && <Alert testId="rule-error">{describeError(mutation.error, 'The rule could not be saved.')}</Alert>}
      <DialogFormButtons
        submitLabel={rule ? 'Save rule' : 'Create rule'}
        submitTestId="rule-submit"
        pending={mutation.isPending}
        disabled={scopeMissing || numbersBad || !fields.name}
        onCancel={onClose}
      />
    </form>
  );
}
