import { useState, type ReactNode } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmRemove } from '@/components/ui/ConfirmDialog';
import { DataTable } from '@/components/ui/DataTable';
import { Spinner } from '@/components/ui/Spinner';
import { dangerButton, primaryButton, smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDuration, formatNumber } from '@/lib/format';
import { canManageAlertScope, canManageAlerts } from '@/lib/roles';
import type { AlertRule } from '@/types/alerts';
import { useDeleteRule } from '../api/delete-rule';
import type { NetworkRef } from '../api/get-host-networks';
import { useNetwork } from '../api/get-network';
import { useHostGroups } from '@/lib/queries/host-groups';
import { useHostsWithLatest } from '@/lib/queries/hosts';
import { useMe } from '@/lib/queries/me';
import { useRules } from '../api/get-rules';
import { useUpdateRule } from '../api/update-rule';
import { RuleDialog } from './RuleDialog';
import { SeverityBadge, scopeText } from './parts';

function conditionOf(rule: AlertRule): string {
  if (rule.source === 'host_offline') return `no sample for ${formatNumber(rule.threshold, 0)} intervals`;
  if (rule.source === 'network_event') return `${rule.metric.replace('_', ' ')}${rule.match ? ` [${rule.match}]` : ''}`;
  if (rule.source === 'agent_dropping')
    return `more than ${formatNumber(rule.threshold, 0)} samples dropped ${rule.for_seconds ? `within ${formatDuration(rule.for_seconds)}` : 'in a report'}`;
  if (rule.source === 'job_failed') return `a scheduled ${rule.match || 'scan'} fails`;
  if (rule.source === 'tls_expiry') return `TLS certificate${rule.match ? ` [${rule.match}]` : ''} expires in under ${formatNumber(rule.threshold, 0)} days`;
  const match = rule.match ? ` [${rule.match}]` : '';
  const exclude = rule.exclude.length ? ` except ${rule.exclude.join(', ')}` : '';
  return `${rule.metric}${match}${exclude} ${rule.comparison} ${formatNumber(rule.threshold)}`;
}

function clearsOf(rule: AlertRule): string {
  if (rule.source === 'host_offline') return 'on the next sample';
  if (rule.source === 'agent_dropping') return `after ${formatDuration(rule.clear_seconds)} without a drop`;
  if (rule.source === 'job_failed') return 'on the next successful run';
  if (rule.source === 'tls_expiry') return 'when a check finds it renewed';
  if (rule.source !== 'metric') return 'at once (an event)';
  const level = rule.clear_threshold === null ? 'at threshold' : `at ${formatNumber(rule.clear_threshold)}`;
  return rule.clear_seconds > 0 ? `${level} for ${formatDuration(rule.clear_seconds)}` : level;
}

export function RulesPanel() {
  const rules = useRules();
  // With their latest samples: the rule dialog previews which hosts a rule would fire on now.
  const hosts = useHostsWithLatest();
  const groups = useHostGroups();
  const me = useMe();
  const update = useUpdateRule();
  const remove = useDeleteRule();
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [deleting, setDeleting] = useState<AlertRule | null>(null);
  const user = me.data;

  const mayManage = (rule: AlertRule, networkHost: string | null) => {
    const hostId = rule.host ?? networkHost;
    return canManageAlertScope(user, {
      host: hostId === null ? null : (hosts.data?.find((h) => h.id === hostId) ?? null),
      group: rule.group,
      global: hostId === null && rule.group === null && rule.network === null,
    });
  };

  const appliesTo = (rule: AlertRule, network: NetworkRef | undefined) => {
    if (rule.network !== null) {
      if (!network) return `network #${rule.network}`;
      return `network ${network.cidr} of ${hosts.data?.find((h) => h.id === network.host)?.hostname ?? 'its host'}`;
    }
    const scope = scopeText(rule, hosts.data, groups.data);
    return rule.source === 'network_event' ? `watched networks of ${scope}` : scope;
  };

  if (rules.isPending) return <Spinner label="Loading rules…" />;
  if (rules.isError) return <Alert>Could not load the rules: {describeError(rules.error)}</Alert>;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted">Rules are checked as samples arrive; builtin rules can be edited or disabled like any other.</p>
        {canManageAlerts(user) && (
          <button type="button" data-testid="rule-new" className={primaryButton} onClick={() => setEditing('new')}>
            New rule
          </button>
        )}
      </div>
      {update.isError && <Alert>{describeError(update.error, 'The rule could not be changed.')}</Alert>}
      <DataTable
        testId="rules"
        rows={rules.data}
        rowTestId="rule-row"
        rowProps={(rule) => ({ 'data-rule': rule.name, 'data-enabled': rule.enabled })}
        columns={[
          {
            label: 'Rule',
            cell: (rule) => (
              <>
                {rule.name}
                {rule.builtin && <span className="ml-2 text-xs text-muted">builtin</span>}
              </>
            ),
          },
          { label: 'Condition', className: 'font-mono text-xs', cell: conditionOf },
          { label: 'For', className: 'tabular-nums', cell: (rule) => (rule.source === 'metric' ? formatDuration(rule.for_seconds) : '–') },
          { label: 'Clears', className: 'text-xs', cell: clearsOf },
          { label: 'Severity', cell: (rule) => <SeverityBadge severity={rule.severity} /> },
          { label: 'Repeat', className: 'text-xs', cell: (rule) => (rule.repeat_minutes > 0 ? `every ${rule.repeat_minutes} min` : 'never') },
          {
            label: 'Applies to',
            className: 'text-xs',
            cell: (rule) => <WithNetwork rule={rule}>{(network) => appliesTo(rule, network)}</WithNetwork>,
          },
          { label: 'State', className: 'text-xs', cell: (rule) => (rule.enabled ? 'enabled' : <span className="text-muted">disabled</span>) },
          {
            label: '',
            className: 'whitespace-nowrap text-right',
            cell: (rule) => (
              <WithNetwork rule={rule}>
                {(network) =>
                  mayManage(rule, network?.host ?? null) && (
                    <span className="inline-flex gap-1.5">
                      <button type="button" data-testid="rule-edit" className={smallButton} onClick={() => setEditing(rule)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        data-testid="rule-toggle"
                        className={smallButton}
                        disabled={update.isPending}
                        onClick={() => update.mutate({ id: rule.id, changes: { enabled: !rule.enabled } })}
                      >
                        {rule.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button type="button" data-testid="rule-delete" className={dangerButton} onClick={() => setDeleting(rule)}>
                        Delete
                      </button>
                    </span>
                  )
                }
              </WithNetwork>
            ),
          },
        ]}
      />
      <RuleDialog
        open={editing !== null}
        rule={editing === 'new' ? null : editing}
        user={user}
        hosts={hosts.data ?? []}
        groups={groups.data ?? []}
        onClose={() => setEditing(null)}
      />
      <ConfirmRemove target={deleting} remove={remove} onClose={() => setDeleting(null)} title="Delete this rule?" confirmLabel="Delete rule">
        <p>
          {deleting?.name} stops being checked, and the hub deletes its alerts with it, firing and past. To keep its
          history, disable it instead.
        </p>
      </ConfirmRemove>
    </div>
  );
}

/** Looks up the network a rule watches (its range and host) for the rule's cells. */
function WithNetwork({ rule, children }: { rule: AlertRule; children: (network: NetworkRef | undefined) => ReactNode }) {
  const network = useNetwork(rule.network);
  return <>{children(network.data)}</>;
}
