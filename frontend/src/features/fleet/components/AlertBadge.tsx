import type { Severity } from '@/types/alerts';

export interface HostAlertSummary {
  count: number;
  /** The worst severity among the host's firing alerts. */
  severity: Severity;
  /** Rule names, for the badge's tooltip. */
  rules: string[];
}

/** A tile's firing alerts: how many, coloured by the worst severity. */
export function AlertBadge({ summary }: { summary: HostAlertSummary }) {
  const critical = summary.severity === 'critical';
  const label = `${summary.count} firing alert${summary.count === 1 ? '' : 's'} (${summary.severity})`;
  return (
    <span
      data-testid="host-tile-alerts"
      data-count={summary.count}
      data-severity={summary.severity}
      title={`${label}: ${summary.rules.join(', ')}`}
      className={`relative z-10 inline-flex shrink-0 items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-semibold ${
        critical ? 'border-crit/60 bg-crit/10 text-crit' : 'border-warn/60 bg-warn/10 text-warn'
      }`}
    >
      <svg aria-hidden="true" viewBox="0 0 16 16" className="h-3 w-3" fill="currentColor">
        <path d="M8 1.5 15 14H1z" />
      </svg>
      <span className="sr-only">{label}</span>
      <span aria-hidden="true">{summary.count}</span>
    </span>
  );
}
