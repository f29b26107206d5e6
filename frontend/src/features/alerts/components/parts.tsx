import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { Column } from '@/components/ui/DataTable';
import type { FiredAlert, Severity } from '@/types/alerts';
import type { HostGroup, HostInfo } from '@/types/api';
import { formatNumber } from '@/lib/format';

const SEVERITY_STYLE: Record<Severity, string> = {
  critical: 'border-crit/50 bg-crit/10 text-crit',
  warning: 'border-warn/50 bg-warn/10 text-warn',
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span
      data-testid="severity"
      data-severity={severity}
      className={`inline-flex rounded-full border px-2 py-0.5 text-xs font-semibold ${SEVERITY_STYLE[severity] ?? ''}`}
    >
      {severity}
    </span>
  );
}

/** The rule's name; "(deleted rule) <name>" for an alert whose rule is gone. */
export function ruleName(alert: FiredAlert): string {
  return alert.rule.deleted ? `(deleted rule) ${alert.rule.name}` : alert.rule.name;
}

/** "memory.percent > 90" or "offline > 3 intervals", with the series it fired on. */
export function conditionText(alert: FiredAlert): string {
  if (alert.rule.source === 'host_offline') return `no sample for ${formatNumber(alert.threshold, 0)} intervals`;
  if (alert.rule.source === 'network_event') return `${alert.rule.metric.replace('_', ' ')} ${alert.series}`;
  if (alert.rule.source === 'agent_dropping') return `${formatNumber(alert.last_value, 0)} samples dropped`;
  if (alert.rule.source === 'job_failed') return `scheduled ${alert.series} failed`;
  if (alert.rule.source === 'tls_expiry') return `TLS certificate of ${alert.series} expires in ${formatNumber(alert.last_value, 1)} days`;
  const series = alert.series ? ` (${alert.series})` : '';
  return `${alert.rule.metric}${series} ${alert.comparison} ${formatNumber(alert.threshold)}`;
}

/** Where a rule or silence applies, in words. */
export function scopeText(
  scope: { host: string | null; group: number | null },
  hosts: HostInfo[] | undefined,
  groups: HostGroup[] | undefined,
): string {
  if (scope.host !== null) return `host ${hosts?.find((h) => h.id === scope.host)?.hostname ?? scope.host}`;
  if (scope.group !== null) return `group ${groups?.find((g) => g.id === scope.group)?.name ?? `#${scope.group}`}`;
  return 'every host';
}

/** `datetime-local` input values (local time, minutes) to and from ISO 8601. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The first columns of every list of alerts: its severity and its host. */
export const ALERT_COLUMNS: Column<FiredAlert>[] = [
  { label: 'Severity', cell: (alert) => <SeverityBadge severity={alert.severity} /> },
  {
    label: 'Host',
    cell: (alert) => (
      <Link to={`/hosts/${encodeURIComponent(alert.host.id)}`} className="text-accent hover:underline">
        {alert.host.hostname}
      </Link>
    ),
  },
];

/** What a tab shows instead of an empty table. */
export function EmptyList({ testId, children }: { testId?: string; children: ReactNode }) {
  return (
    <p data-testid={testId} className="rounded-lg border border-dashed border-border p-8 text-center text-sm text-muted">
      {children}
    </p>
  );
}
