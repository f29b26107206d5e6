import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { NetworkScan } from '../types';

export function getNetworkScans(networkId: number, signal?: AbortSignal): Promise<NetworkScan[]> {
  return apiFetch<NetworkScan[]>(`/networks/${networkId}/scans`, { signal });
}

export function networkScansQueryOptions(networkId: number) {
  return queryOptions({
    queryKey: ['network', networkId, 'scans'],
    queryFn: ({ signal }) => getNetworkScans(networkId, signal),
    refetchInterval: 30_000,
  });
}

export function useNetworkScans(networkId: number) {
  return useQuery(networkScansQueryOptions(networkId));
}
