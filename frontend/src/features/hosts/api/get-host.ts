import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Host } from '@/types/api';

export function getHost(hostId: string): Promise<Host> {
  return apiFetch<Host>(`/hosts/${encodeURIComponent(hostId)}`);
}

export function hostQueryOptions(hostId: string) {
  return queryOptions({
    queryKey: ['hosts', 'detail', hostId],
    queryFn: () => getHost(hostId),
    // Facts and last_seen change rarely; live samples arrive over the WebSocket.
    refetchInterval: 30_000,
  });
}

export function useHost(hostId: string) {
  return useQuery(hostQueryOptions(hostId));
}
