import { Alert } from '@/components/ui/Alert';
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
      <div className="overflow-x-auto">
        <table className="w-full min-w-[44rem] text-left text-sm">
          <thead className="text-xs text-muted">
            <tr>
              <th scope="col" className="py-1.5 pr-3 font-medium">When</th>
              <th scope="col" className="py-1.5 pr-3 font-medium">Why</th>
              <th scope="col" className="py-1.5 pr-3 font-medium">Hostname given</th>
              <th scope="col" className="py-1.5 pr-3 font-medium">Machine id</th>
              <th scope="col" className="py-1.5 font-medium">From</th>
            </tr>
          </thead>
          <tbody className="tabular-nums">
            {refused.data.map((event) => (
              <tr key={event.id} data-testid="refused-enrollment-row" className="border-t border-border">
                <td className="py-1.5 pr-3 text-xs">{formatDateTime(parseIso(event.ts))}</td>
                <td className="py-1.5 pr-3 text-xs font-medium text-crit">{reasonText(event)}</td>
                <td className="py-1.5 pr-3 break-all">{event.details.hostname || '–'}</td>
                <td className="py-1.5 pr-3 font-mono text-[11px] break-all">{event.details.machine_id || '–'}</td>
                <td className="py-1.5 font-mono text-[11px]">{event.ip ?? event.details.peer ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
