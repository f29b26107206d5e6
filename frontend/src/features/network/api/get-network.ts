import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { NetworkDetail } from '../types';

/** The network with every device it has held and their ports. */
export function getNetwork(networkId: number, signal?: AbortSignal): Promise<NetworkDetail> {
  return apiFetch<NetworkDetail>(`/networks/${networkId}`, { signal });
}

export function networkQueryOptions(networkId: number) {
  return queryOptions({
    queryKey: ['network', networkId, 'detail'],
    queryFn: ({ signal }) => getNetwork(networkId, signal),
    // Scheduled scans change the inventory behind the page's back.
    refetchInterval: 30_000,
  });
}

export function useNetwork(networkId: number | null) {
  return useQuery({ ...networkQueryOptions(networkId ?? 0), enabled: networkId !== null });
}
