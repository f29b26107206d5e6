import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { DataTable } from '@/components/ui/DataTable';
import { describeError } from '@/lib/api';
import { formatDateTime, formatDuration, formatNumber, parseIso } from '@/lib/format';
import { useAlerts } from '../api/get-alerts';
import type { FiredAlert } from '@/types/alerts';
import { ALERT_COLUMNS, EmptyList, conditionText, ruleName } from './parts';

/** Resolved alerts, newest first, each with how long it lasted. */
export function AlertHistory() {
  const alerts = useAlerts('resolved');

  if (alerts.isPending) return <Spinner label="Loading history…" />;
  if (alerts.isError) return <Alert>Could not load the history: {describeError(alerts.error)}</Alert>;
  if (alerts.data.length === 0) return <EmptyList>No resolved alerts yet.</EmptyList>;
  return (
    <DataTable
      testId="alert-history"
      rows={alerts.data}
      rowTestId="history-alert-row"
      rowProps={(alert) => ({ 'data-alert-id': alert.id })}
      columns={[
        ...ALERT_COLUMNS,
        {
          label: 'Rule',
          cellProps: (alert) => ({ 'data-testid': 'history-alert-rule', 'data-deleted': alert.rule.deleted }),
          cell: ruleName,
        },
        { label: 'Condition', className: 'font-mono text-xs', cell: conditionText },
        { label: 'Peak', className: 'tabular-nums', cell: (alert) => formatNumber(alert.peak_value) },
        { label: 'Started', className: 'text-xs', cell: (alert) => formatDateTime(parseIso(alert.started_at)) },
        { label: 'Resolved', className: 'text-xs', cell: (alert) => formatDateTime(parseIso(alert.ended_at)) },
        { label: 'Lasted', className: 'tabular-nums', cellProps: () => ({ 'data-testid': 'alert-duration' }), cell: lasted },
        { label: 'Acknowledged by', className: 'text-xs', cell: (alert) => alert.acknowledged_by ?? '–' },
      ]}
    />
  );
}

function lasted(alert: FiredAlert): string {
  const started = parseIso(alert.started_at);
  const ended = parseIso(alert.ended_at);
  return started !== null && ended !== null ? formatDuration((ended - started) / 1000) : '–';
}
