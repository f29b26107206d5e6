import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Host } from '@/types/api';

export function getHosts(): Promise<Host[]> {
  return apiFetch<Host[]>('/hosts');
}

// Same key and answer as the fleet's list, so the views share one cache entry.
export const hostsQueryOptions = queryOptions({ queryKey: ['hosts', 'list'], queryFn: getHosts });

/** The hosts the user sees, with their groups and latest samples (the rule preview reads them). */
export function useHosts() {
  return useQuery(hostsQueryOptions);
}
