import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';

export type AuditOutcome = 'success' | 'failure';

export interface AuditEvent {
  id: number;
  /** ISO 8601 */
  ts: string;
  /** Username at the time of the event; empty for anonymous attempts. */
  actor: string;
  action: string;
  outcome: AuditOutcome;
  target: { type: string; id: string; name: string };
  ip: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  results: AuditEvent[];
  /** Pass as `before_id` for the next (older) page; null on the last page. */
  next_before_id: number | null;
}

export interface AuditFilters {
  /** Matches actions starting with this, e.g. `user.` */
  action?: string;
  /** Exact username. */
  actor?: string;
  outcome?: AuditOutcome;
  /** ISO 8601, inclusive. */
  since?: string;
  /** ISO 8601, exclusive. */
  until?: string;
}

/** One page (100 events) of the audit log, newest first. Owners and admins only. */
export function getAuditEvents(filters: AuditFilters, beforeId: number | null, signal?: AbortSignal): Promise<AuditPage> {
  return apiFetch<AuditPage>('/audit', { query: { ...filters, before_id: beforeId ?? undefined }, signal });
}

export function auditEventsQueryOptions(filters: AuditFilters) {
  return infiniteQueryOptions({
    queryKey: ['audit', 'events', filters],
    queryFn: ({ pageParam, signal }) => getAuditEvents(filters, pageParam, signal),
    initialPageParam: null as number | null,
    getNextPageParam: (lastPage) => lastPage.next_before_id,
    // The log grows all the time: reopening the page asks again for the newest events.
    staleTime: 0,
  });
}

export function useAuditEvents(filters: AuditFilters) {
  return useInfiniteQuery({ ...auditEventsQueryOptions(filters), placeholderData: keepPreviousData });
}
