import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { DataTable } from '@/components/ui/DataTable';
import { smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, formatDuration, formatNumber, parseIso } from '@/lib/format';
import { canOperateHost } from '@/lib/roles';
import { useNow } from '@/lib/use-now';
import { useAckAlert } from '../api/ack-alert';
import { useAlerts } from '../api/get-alerts';
import { useHosts } from '@/lib/queries/hosts';
import { useMe } from '@/lib/queries/me';
import type { FiredAlert } from '@/types/alerts';
import { ALERT_COLUMNS, EmptyList, conditionText } from './parts';

export function FiringAlerts() {
  const alerts = useAlerts('firing');
  const hosts = useHosts();
  const me = useMe();
  const ack = useAckAlert();
  const now = useNow(5000);
  const [ackError, setAckError] = useState<string | null>(null);

  if (alerts.isPending) return <Spinner label="Loading alerts…" />;
  if (alerts.isError) return <Alert>Could not load the alerts: {describeError(alerts.error)}</Alert>;
  if (alerts.data.length === 0) return <EmptyList testId="firing-empty">Nothing is firing on the hosts you can see.</EmptyList>;

  const acknowledge = (alert: FiredAlert) => {
    setAckError(null);
    ack.mutate(alert.id, { onError: (error) => setAckError(describeError(error, 'The alert could not be acknowledged.')) });
  };

  return (
    <div className="space-y-3">
      {ackError && <Alert testId="alert-ack-error">{ackError}</Alert>}
      <DataTable
        testId="firing-alerts"
        rows={alerts.data}
        rowTestId="firing-alert-row"
        rowProps={(alert) => ({ 'data-alert-id': alert.id, 'data-rule': alert.rule.name })}
        columns={[
          ...ALERT_COLUMNS,
          { label: 'Rule', cell: (alert) => alert.rule.name },
          { label: 'Condition', className: 'font-mono text-xs', cell: conditionText },
          {
            label: 'Value (peak)',
            className: 'tabular-nums',
            cell: (alert) => `${formatNumber(alert.last_value)} (${formatNumber(alert.peak_value)})`,
          },
          {
            label: 'Firing for',
            className: 'tabular-nums',
            cellProps: (alert) => ({ title: `since ${formatDateTime(parseIso(alert.started_at))}` }),
            cell: (alert) => {
              const started = parseIso(alert.started_at);
              return started === null ? '–' : formatDuration((now - started) / 1000);
            },
          },
          { label: 'State', className: 'text-xs', cellProps: () => ({ 'data-testid': 'alert-state' }), cell: (alert) => <AlertState alert={alert} /> },
          {
            label: '',
            className: 'text-right',
            cell: (alert) =>
              !alert.acknowledged_by &&
              canOperateHost(me.data, hosts.data?.find((h) => h.id === alert.host.id)) && (
                <button type="button" data-testid="alert-ack" className={smallButton} disabled={ack.isPending} onClick={() => acknowledge(alert)}>
                  Acknowledge
                </button>
              ),
          },
        ]}
      />
    </div>
  );
}

function AlertState({ alert }: { alert: FiredAlert }) {
  return (
    <>
      {alert.silenced && <span className="mr-2 text-muted">silenced</span>}
      {alert.acknowledged_by ? (
        <span data-testid="alert-acked-by" title={formatDateTime(parseIso(alert.acknowledged_at))}>
          acknowledged by {alert.acknowledged_by}
        </span>
      ) : (
        <span className="text-muted">not acknowledged</span>
      )}
    </>
  );
}
