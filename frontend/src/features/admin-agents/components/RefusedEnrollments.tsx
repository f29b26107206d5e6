import { Alert } from '@/components/ui/Alert';
import { DataTable } from '@/components/ui/DataTable';
import { Panel } from '@/components/ui/Panel';
import { isApiError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import type { RefusedEnrollment } from '../types';
import { useRefusedEnrollments } from '../api/get-refused-enrollments';

const REASONS: Record<string, string> = {
  missing_token: 'no token',
  unknown_token: 'unknown token',
  expired_token: 'expired token',
  used_up_token: 'token used up',
  machine_enrolled: 'machine already enrolled',
};

function reasonText(event: RefusedEnrollment): string {
  const reason = REASONS[event.details.reason] ?? event.details.reason;
  return event.details.reason === 'machine_enrolled' && event.target.name ? `${reason} as ${event.target.name}` : reason;
}

/** Recent enrollments the hub refused: someone tried to enroll, with a bad token or another host's machine id. */
export function RefusedEnrollments() {
  const refused = useRefusedEnrollments();
  if (refused.isError) {
    return (
      <Alert>{isApiError(refused.error) ? refused.error.message : 'Could not load the refused enrollments.'}</Alert>
    );
  }
  if (!refused.data || refused.data.length === 0) return null;
  return (
    <Panel title="Refused enrollments" testId="refused-enrollments">
      <DataTable
        rows={refused.data}
        rowTestId="refused-enrollment-row"
        columns={[
          { label: 'When', className: 'text-xs', cell: (event) => formatDateTime(parseIso(event.ts)) },
          { label: 'Why', className: 'text-xs font-medium text-crit', cell: reasonText },
          { label: 'Hostname given', className: 'break-all', cell: (event) => event.details.hostname || '–' },
          { label: 'Machine id', className: 'font-mono text-[11px] break-all', cell: (event) => event.details.machine_id || '–' },
          { label: 'From', className: 'font-mono text-[11px]', cell: (event) => event.ip ?? event.details.peer ?? '–' },
        ]}
      />
    </Panel>
  );
}
