import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { AlertRule } from '@/types/alerts';

/** Global rules and those of the groups and hosts the user sees. */
export function getRules(): Promise<AlertRule[]> {
  return apiFetch<AlertRule[]>('/alert-rules');
}

export const rulesQueryOptions = queryOptions({ queryKey: ['alerts', 'rules'], queryFn: getRules });

export function useRules() {
  return useQuery(rulesQueryOptions);
}
