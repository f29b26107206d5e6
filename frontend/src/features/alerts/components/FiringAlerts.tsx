import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { TableHead } from '@/components/ui/TableHead';
import { smallButton, tableClass, tdClass } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, formatDuration, formatNumber, parseIso } from '@/lib/format';
import { canOperateHost } from '@/lib/roles';
import { useNow } from '@/lib/use-now';
import { useAckAlert } from '../api/ack-alert';
import { useAlerts } from '../api/get-alerts';
import { useHosts } from '@/lib/queries/hosts';
import { useMe } from '@/lib/queries/me';
import { SeverityBadge, conditionText } from './parts';

const COLUMNS = ['Severity', 'Host', 'Rule', 'Condition', 'Value (peak)', 'Firing for', 'State', ''] as const;

export function FiringAlerts() {
  const alerts = useAlerts('firing');
  const hosts = useHosts();
  const me = useMe();
  const ack = useAckAlert();
  const now = useNow(5000);
  const [ackError, setAckError] = useState<string | null>(null);

  if (alerts.isPending) return <Spinner label="Loading alerts…" />;
  if (alerts.isError) return <Alert>Could not load the alerts: {describeError(alerts.error)}</Alert>;
  if (alerts.data.length === 0) {
    return (
      <p data-testid="firing-empty" className="rounded-lg border border-dashed border-border p-8 text-center text-sm text-muted">
        Nothing is firing on the hosts you can see.
      </p>
    );
  }
  return (
    <div className="space-y-3">
      {ackError && <Alert testId="alert-ack-error">{ackError}</Alert>}
      <div className="overflow-x-auto">
        <table className={tableClass} data-testid="firing-alerts">
          <TableHead columns={COLUMNS} />
          <tbody>
            {alerts.data.map((alert) => {
              const host = hosts.data?.find((h) => h.id === alert.host.id);
              const started = parseIso(alert.started_at);
              return (
                <tr key={alert.id} data-testid="firing-alert-row" data-alert-id={alert.id} data-rule={alert.rule.name}>
                  <td className={tdClass}>
                    <SeverityBadge severity={alert.severity} />
                  </td>
                  <td className={tdClass}>
                    <Link to={`/hosts/${encodeURIComponent(alert.host.id)}`} className="text-accent hover:underline">
                      {alert.host.hostname}
                    </Link>
                  </td>
                  <td className={tdClass}>{alert.rule.name}</td>
                  <td className={`${tdClass} font-mono text-xs`}>{conditionText(alert)}</td>
                  <td className={`${tdClass} tabular-nums`}>
                    {formatNumber(alert.last_value)} ({formatNumber(alert.peak_value)})
                  </td>
                  <td className={`${tdClass} tabular-nums`} title={`since ${formatDateTime(started)}`}>
                    {started === null ? '–' : formatDuration((now - started) / 1000)}
                  </td>
                  <td className={`${tdClass} text-xs`} data-testid="alert-state">
                    {alert.silenced && <span className="mr-2 text-muted">silenced</span>}
                    {alert.acknowledged_by ? (
                      <span data-testid="alert-acked-by" title={formatDateTime(parseIso(alert.acknowledged_at))}>
                        acknowledged by {alert.acknowledged_by}
                      </span>
                    ) : (
                      <span className="text-muted">not acknowledged</span>
                    )}
                  </td>
                  <td className={`${tdClass} text-right`}>
                    {!alert.acknowledged_by && canOperateHost(me.data, host) && (
                      <button
                        type="button"
                        data-testid="alert-ack"
                        className={smallButton}
                        disabled={ack.isPending}
                        onClick={() => {
                          setAckError(null);
                          ack.mutate(alert.id, {
                            onError: (error) => setAckError(describeError(error, 'The alert could not be acknowledged.')),
                          });
                        }}
                      >
                        Acknowledge
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
