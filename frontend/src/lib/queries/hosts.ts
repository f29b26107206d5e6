import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Host } from '@/types/api';

// The hosts the user sees, with their groups and latest samples: one query every view shares
// (fleet, tools, network, alerts, groups), refreshed and pruned through `hostsKey`.

/** Every host query: this list, and each host's page (`['hosts', 'detail', id, …]`). */
export const anyHostKey = ['hosts'] as const;
export const hostsKey = [...anyHostKey, 'list'] as const;

export function getHosts(): Promise<Host[]> {
  return apiFetch<Host[]>('/hosts');
}

export const hostsQueryOptions = queryOptions({ queryKey: hostsKey, queryFn: getHosts });

/** `refetchInterval`: for views that show online state without the fleet's live socket. */
export function useHosts(options: { refetchInterval?: number } = {}) {
  return useQuery({ ...hostsQueryOptions, ...options });
}
