import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { FiredAlert } from '@/types/alerts';

const LIMIT = 200;

/** This host's alerts, firing and resolved, newest first: the banner and the charts' incident bands. */
export function getHostAlerts(hostId: string): Promise<FiredAlert[]> {
  return apiFetch<FiredAlert[]>('/alerts', { query: { host: hostId, limit: LIMIT } });
}

// Under `['alerts', …]`: the shell reloads these on every `alert` frame.
export const hostAlertsQueryOptions = (hostId: string) =>
  queryOptions({ queryKey: ['alerts', 'host', hostId], queryFn: () => getHostAlerts(hostId) });

export function useHostAlerts(hostId: string) {
  return useQuery(hostAlertsQueryOptions(hostId));
}
