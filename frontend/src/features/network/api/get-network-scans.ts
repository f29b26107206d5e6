import { useQuery } from '@tanstack/react-query';
import { getQueryOptions } from '@/lib/api-query';
import type { NetworkScan } from '../types';

export function networkScansQueryOptions(networkId: number) {
  return getQueryOptions<NetworkScan[]>(['network', networkId, 'scans'], `/networks/${networkId}/scans`, { refetchInterval: 30_000 });
}

export function useNetworkScans(networkId: number) {
  return useQuery(networkScansQueryOptions(networkId));
}
