import { Link } from 'react-router-dom';
import { formatDuration, formatNumber, parseIso } from '@/lib/format';
import type { FiredAlert } from '@/types/alerts';

/** The host's firing alerts, worst first, above everything else on its page. */
export function HostAlertsBanner({ alerts, now }: { alerts: FiredAlert[]; now: number }) {
  const firing = alerts
    .filter((a) => a.state === 'firing')
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  if (firing.length === 0) return null;
  const critical = firing.some((a) => a.severity === 'critical');
  return (
    <section
      role="alert"
      aria-label="Firing alerts"
      data-testid="host-alerts-banner"
      data-count={firing.length}
      className={`rounded-lg border px-4 py-3 text-sm ${critical ? 'border-crit/50 bg-crit/10' : 'border-warn/50 bg-warn/10'}`}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className={`font-semibold ${critical ? 'text-crit' : 'text-warn'}`}>
          {firing.length} alert{firing.length === 1 ? '' : 's'} firing
        </h2>
        <Link to="/alerts" className="text-xs text-accent hover:underline">
          Alerts page
        </Link>
      </div>
      <ul className="mt-1 space-y-0.5">
        {firing.map((alert) => {
          const started = parseIso(alert.started_at);
          return (
            <li key={alert.id} data-testid="host-alert" data-alert-id={alert.id} data-severity={alert.severity} className="text-fg">
              <span className={`mr-2 text-xs font-semibold uppercase ${alert.severity === 'critical' ? 'text-crit' : 'text-warn'}`}>
                {alert.severity}
              </span>
              {alert.rule.name}
              {alert.series && <span className="font-mono text-xs text-muted"> ({alert.series})</span>}
              <span className="text-muted">
                {' '}
                · now {formatNumber(alert.last_value)}, peak {formatNumber(alert.peak_value)}
                {started !== null && ` · for ${formatDuration((now - started) / 1000)}`}
                {alert.acknowledged_by && ` · acknowledged by ${alert.acknowledged_by}`}
                {alert.silenced && ' · silenced'}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
