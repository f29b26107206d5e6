import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { NetworkRef } from './get-host-networks';

/** One network's name, address range and host, for a rule that watches it. */
export async function getNetwork(networkId: number): Promise<NetworkRef> {
  const { id, host, cidr, name } = await apiFetch<NetworkRef>(`/networks/${encodeURIComponent(String(networkId))}`);
  return { id, host, cidr, name };
}

export const networkQueryOptions = (networkId: number) =>
  queryOptions({ queryKey: ['alert-networks', networkId], queryFn: () => getNetwork(networkId), staleTime: 5 * 60_000 });

export function useNetwork(networkId: number | null) {
  return useQuery({ ...networkQueryOptions(networkId ?? 0), enabled: networkId !== null });
}
