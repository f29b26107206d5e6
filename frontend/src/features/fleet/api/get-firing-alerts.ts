import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { FiredAlert } from '@/types/alerts';

/** Firing alerts of the hosts the user sees; `alert` frames reload every `['alerts', …]` query. */
export function getFiringAlerts(): Promise<FiredAlert[]> {
  return apiFetch<FiredAlert[]>('/alerts', { query: { state: 'firing', limit: 500 } });
}

// Same key and answer as the Alerts page's "firing now", so both share one cache entry.
export const firingAlertsQueryOptions = queryOptions({ queryKey: ['alerts', 'list', 'firing'], queryFn: getFiringAlerts });

export function useFiringAlerts() {
  return useQuery(firingAlertsQueryOptions);
}
