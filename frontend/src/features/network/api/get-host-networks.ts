import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { NetworkSummary } from '../types';

export function getHostNetworks(hostId: string, signal?: AbortSignal): Promise<NetworkSummary[]> {
  return apiFetch<NetworkSummary[]>(`/hosts/${encodeURIComponent(hostId)}/networks`, { signal });
}

export function hostNetworksQueryOptions(hostId: string) {
  return queryOptions({
    queryKey: ['network', 'host', hostId, 'networks'],
    queryFn: ({ signal }) => getHostNetworks(hostId, signal),
  });
}

export function useHostNetworks(hostId: string | null) {
  return useQuery({ ...hostNetworksQueryOptions(hostId ?? ''), enabled: hostId !== null });
}
