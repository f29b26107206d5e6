import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Host } from '@/types/api';

export function getHosts(): Promise<Host[]> {
  return apiFetch<Host[]>('/hosts');
}

// Same key and answer as the fleet's list, so both views share one cache entry.
export const hostsQueryOptions = queryOptions({ queryKey: ['hosts', 'list'], queryFn: getHosts });

export function useHosts() {
  return useQuery(hostsQueryOptions);
}
