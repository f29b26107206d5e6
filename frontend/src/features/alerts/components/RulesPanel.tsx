import { useState, type ReactNode } from 'react';
import { Alert } from '@/components/ui/Alert';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { Spinner } from '@/components/ui/Spinner';
import { TableHead } from '@/components/ui/TableHead';
import { dangerButton, primaryButton, smallButton, tableClass, tdClass } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDuration, formatNumber } from '@/lib/format';
import { canManageAlertScope, canManageAlerts } from '@/lib/roles';
import type { AlertRule } from '@/types/alerts';
import { useDeleteRule } from '../api/delete-rule';
import type { NetworkRef } from '../api/get-host-networks';
import { useNetwork } from '../api/get-network';
import { useHostGroups } from '@/lib/queries/host-groups';
import { useHosts } from '@/lib/queries/hosts';
import { useMe } from '@/lib/queries/me';
import { useRules } from '../api/get-rules';
import { useUpdateRule } from '../api/update-rule';
import { RuleDialog } from './RuleDialog';
import { SeverityBadge, scopeText } from './parts';

const COLUMNS = ['Rule', 'Condition', 'For', 'Clears', 'Severity', 'Repeat', 'Applies to', 'State', ''] as const;

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
  const level = rule.clear_threshold === null ? 'at threshold' : `at ${formatNumber(rule.clear_threshold)}`;
  return rule.clear_seconds > 0 ? `${level} for ${formatDuration(rule.clear_seconds)}` : level;
}

export function RulesPanel() {
  const rules = useRules();
  const hosts = useHosts();
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
      <div className="overflow-x-auto">
        <table className={tableClass} data-testid="rules">
          <TableHead columns={COLUMNS} />
          <tbody>
            {rules.data.map((rule) => (
              <RuleRow key={rule.id} rule={rule}>
                {(network) => (
                  <tr data-testid="rule-row" data-rule={rule.name} data-enabled={rule.enabled}>
                    <td className={tdClass}>
                      {rule.name}
                      {rule.builtin && <span className="ml-2 text-xs text-muted">builtin</span>}
                    </td>
                    <td className={`${tdClass} font-mono text-xs`}>{conditionOf(rule)}</td>
                    <td className={`${tdClass} tabular-nums`}>{rule.source === 'metric' ? formatDuration(rule.for_seconds) : '–'}</td>
                    <td className={`${tdClass} text-xs`}>{rule.source === 'metric'
                        ? clearsOf(rule)
                        : rule.source === 'host_offline'
                          ? 'on the next sample'
                          : rule.source === 'agent_dropping'
                            ? `after ${formatDuration(rule.clear_seconds)} without a drop`
                            : rule.source === 'job_failed'
                              ? 'on the next successful run'
                              : rule.source === 'tls_expiry'
                                ? 'when a check finds it renewed'
                              : 'at once (an event)'}</td>
                    <td className={tdClass}>
                      <SeverityBadge severity={rule.severity} />
                    </td>
                    <td className={`${tdClass} text-xs`}>{rule.repeat_minutes > 0 ? `every ${rule.repeat_minutes} min` : 'never'}</td>
                    <td className={`${tdClass} text-xs`}>
                      {rule.network !== null
                        ? `network ${network ? `${network.cidr} of ${hosts.data?.find((h) => h.id === network.host)?.hostname ?? 'its host'}` : `#${rule.network}`}`
                        : rule.source === 'network_event'
                          ? `watched networks of ${scopeText(rule, hosts.data, groups.data)}`
                          : scopeText(rule, hosts.data, groups.data)}
                    </td>
                    <td className={`${tdClass} text-xs`}>{rule.enabled ? 'enabled' : <span className="text-muted">disabled</span>}</td>
                    <td className={`${tdClass} whitespace-nowrap text-right`}>
                      {mayManage(rule, network?.host ?? null) && (
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
                      )}
                    </td>
                  </tr>
                )}
              </RuleRow>
            ))}
          </tbody>
        </table>
      </div>
      <RuleDialog
        open={editing !== null}
        rule={editing === 'new' ? null : editing}
        user={user}
        hosts={hosts.data ?? []}
        groups={groups.data ?? []}
        onClose={() => setEditing(null)}
      />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this rule?"
        confirmLabel="Delete rule"
        pendingLabel="Deleting…"
        pending={remove.isPending}
        error={remove.isError ? describeError(remove.error) : null}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        onCancel={() => {
          remove.reset();
          setDeleting(null);
        }}
      >
        <p>
          {deleting?.name} stops being checked, and the hub deletes its alerts with it, firing and past. To keep its
          history, disable it instead.
        </p>
      </ConfirmDialog>
    </div>
  );
}

/** Looks up the network a rule watches (its range and host) for the rule's row. */
function RuleRow({ rule, children }: { rule: AlertRule; children: (network: NetworkRef | undefined) => ReactNode }) {
  const network = useNetwork(rule.network);
  return <>{children(network.data)}</>;
}
