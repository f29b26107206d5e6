import { tableClass, tdClass } from '@/components/ui/styles';
import { TableHead } from '@/components/ui/TableHead';
import { formatDateTime, parseIso } from '@/lib/format';
import type { AuditEvent } from '../api/get-audit-events';
import { formatDetails } from './format-details';
import { targetLabel } from './target-label';

function OutcomeBadge({ outcome }: { outcome: AuditEvent['outcome'] }) {
  const ok = outcome === 'success';
  return (
    <span
      data-testid="audit-outcome"
      data-state={outcome}
      className={`inline-flex items-center gap-1.5 rounded-full border border-border px-2 py-0.5 text-xs font-medium ${
        ok ? 'text-ok' : 'text-crit'
      }`}
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${ok ? 'bg-ok' : 'bg-crit'}`} />
      {outcome}
    </span>
  );
}

export function AuditTable({ events }: { events: AuditEvent[] }) {
  return (
    <div className="overflow-x-auto">
      <table className={tableClass} data-testid="audit-table">
        <TableHead columns={['Time', 'Actor', 'Action', 'Outcome', 'Target', 'IP', 'Details']} />
        <tbody>
          {events.map((event) => {
            const details = formatDetails(event.details);
            const target = targetLabel(event.target);
            return (
              <tr key={event.id} data-testid="audit-row" data-action={event.action} data-outcome={event.outcome}>
                <td className={`${tdClass} whitespace-nowrap`}>
                  <time dateTime={event.ts}>{formatDateTime(parseIso(event.ts))}</time>
                </td>
                <td className={tdClass}>{event.actor || <span className="text-muted">anonymous</span>}</td>
                <td className={`${tdClass} font-mono text-xs`}>{event.action}</td>
                <td className={tdClass}>
                  <OutcomeBadge outcome={event.outcome} />
                </td>
                <td data-testid="audit-target" className={tdClass} title={event.target.id ? `id ${event.target.id}` : undefined}>
                  {target || <span className="text-muted">–</span>}
                </td>
                <td className={`${tdClass} whitespace-nowrap font-mono text-xs`}>{event.ip || <span className="text-muted">–</span>}</td>
                <td className={`${tdClass} max-w-md break-words font-mono text-xs text-muted`}>{details}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
