import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { ListedNetwork } from '@/types/api.gen';

export type NetworkRef = Pick<ListedNetwork, 'id' | 'host' | 'cidr' | 'name'>;

/** The networks a host has scanned: what a network-event rule may watch. */
export async function getHostNetworks(hostId: string): Promise<NetworkRef[]> {
  const networks = await apiFetch<NetworkRef[]>(`/hosts/${encodeURIComponent(hostId)}/networks`);
  return networks.map(({ id, host, cidr, name }) => ({ id, host, cidr, name }));
}

export const hostNetworksQueryOptions = (hostId: string) =>
  queryOptions({ queryKey: ['alert-networks', 'host', hostId], queryFn: () => getHostNetworks(hostId) });

export function useHostNetworks(hostId: string | null) {
  return useQuery({ ...hostNetworksQueryOptions(hostId ?? ''), enabled: hostId !== null && hostId !== '' });
}
