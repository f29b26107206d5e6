import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type * as Api from '@/types/api.gen';

export type AuditOutcome = Api.OutcomeEnum;
export type AuditEvent = Api.AuditEvent;
/** A page, newest first; pass `next_before_id` as `before_id` for the next (older) page. */
export type AuditPage = Api.AuditPage;

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
