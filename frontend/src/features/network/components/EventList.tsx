import { formatDateTime, parseIso } from '@/lib/format';
import type { NetworkEvent } from '../types';
import { EVENT_LABELS, EVENT_TONES } from './format';

interface EventListProps {
  events: NetworkEvent[];
  /** Hide the address column (a single device's history). */
  withoutDevice?: boolean;
  emptyText: string;
}

export function EventList({ events, withoutDevice = false, emptyText }: EventListProps) {
  if (events.length === 0) return <p className="text-sm text-muted">{emptyText}</p>;
  return (
    <ul className="divide-y divide-border text-sm" data-testid="network-events">
      {events.map((event) => (
        <li key={event.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 py-1.5" data-testid="network-event">
          <span className={`w-28 shrink-0 font-medium ${EVENT_TONES[event.kind]}`}>{EVENT_LABELS[event.kind]}</span>
          {!withoutDevice && (
            <span className="font-mono">
              {event.ip ?? '–'}
              {event.hostname ? <span className="ml-1 font-sans text-muted">({event.hostname})</span> : null}
            </span>
          )}
          {event.port !== null && (
            <span className="font-mono">
              {event.port}/{event.proto ?? 'tcp'}
            </span>
          )}
          <span className="ml-auto text-xs text-muted">{formatDateTime(parseIso(event.ts))}</span>
        </li>
      ))}
    </ul>
  );
}
