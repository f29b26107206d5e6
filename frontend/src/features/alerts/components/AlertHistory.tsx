import { Link } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { TableHead } from '@/components/ui/TableHead';
import { tableClass, tdClass } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, formatDuration, formatNumber, parseIso } from '@/lib/format';
import { useAlerts } from '../api/get-alerts';
import { SeverityBadge, conditionText, ruleName } from './parts';

const COLUMNS = ['Severity', 'Host', 'Rule', 'Condition', 'Peak', 'Started', 'Resolved', 'Lasted', 'Acknowledged by'] as const;

/** Resolved alerts, newest first, each with how long it lasted. */
export function AlertHistory() {
  const alerts = useAlerts('resolved');

  if (alerts.isPending) return <Spinner label="Loading history…" />;
  if (alerts.isError) return <Alert>Could not load the history: {describeError(alerts.error)}</Alert>;
  if (alerts.data.length === 0) {
    return <p className="rounded-lg border border-dashed border-border p-8 text-center text-sm text-muted">No resolved alerts yet.</p>;
  }
  return (
    <div className="overflow-x-auto">
      <table className={tableClass} data-testid="alert-history">
        <TableHead columns={COLUMNS} />
        <tbody>
          {alerts.data.map((alert) => {
            const started = parseIso(alert.started_at);
            const ended = parseIso(alert.ended_at);
            return (
              <tr key={alert.id} data-testid="history-alert-row" data-alert-id={alert.id}>
                <td className={tdClass}>
                  <SeverityBadge severity={alert.severity} />
                </td>
                <td className={tdClass}>
                  <Link to={`/hosts/${encodeURIComponent(alert.host.id)}`} className="text-accent hover:underline">
                    {alert.host.hostname}
                  </Link>
                </td>
                <td className={tdClass} data-testid="history-alert-rule" data-deleted={alert.rule.deleted}>
                  {ruleName(alert)}
                </td>
                <td className={`${tdClass} font-mono text-xs`}>{conditionText(alert)}</td>
                <td className={`${tdClass} tabular-nums`}>{formatNumber(alert.peak_value)}</td>
                <td className={`${tdClass} text-xs`}>{formatDateTime(started)}</td>
                <td className={`${tdClass} text-xs`}>{formatDateTime(ended)}</td>
                <td className={`${tdClass} tabular-nums`} data-testid="alert-duration">
                  {started !== null && ended !== null ? formatDuration((ended - started) / 1000) : '–'}
                </td>
                <td className={`${tdClass} text-xs`}>{alert.acknowledged_by ?? '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
