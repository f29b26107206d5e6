import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { AlertMetric } from '@/types/alerts';

/** What a metric rule can watch. */
export function getAlertMetrics(): Promise<AlertMetric[]> {
  return apiFetch<AlertMetric[]>('/alerts/metrics');
}

export const alertMetricsQueryOptions = queryOptions({
  queryKey: ['alert-metrics'],
  queryFn: getAlertMetrics,
  staleTime: Infinity,
});

export function useAlertMetrics() {
  return useQuery(alertMetricsQueryOptions);
}
