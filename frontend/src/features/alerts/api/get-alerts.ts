import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { AlertState, FiredAlert } from '@/types/alerts';

const HISTORY_LIMIT = 200;

/** Alerts of the hosts the user sees, newest first; `alert` frames reload every `['alerts', …]` query. */
export function getAlerts(state: AlertState): Promise<FiredAlert[]> {
  return apiFetch<FiredAlert[]>('/alerts', { query: { state, limit: state === 'firing' ? 500 : HISTORY_LIMIT } });
}

export const alertsQueryOptions = (state: AlertState) =>
  queryOptions({ queryKey: ['alerts', 'list', state], queryFn: () => getAlerts(state) });

export function useAlerts(state: AlertState) {
  return useQuery(alertsQueryOptions(state));
}
