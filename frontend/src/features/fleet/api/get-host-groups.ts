import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { HostGroup } from '@/types/api';

/** The host groups the user may see, sorted by name, for the fleet's group filter. */
export async function getHostGroups(): Promise<HostGroup[]> {
  const groups = await apiFetch<HostGroup[]>('/host-groups');
  return groups.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name));
}

export const fleetHostGroupsQueryOptions = queryOptions({ queryKey: ['fleet', 'host-groups'], queryFn: getHostGroups });

export function useFleetHostGroups() {
  return useQuery(fleetHostGroupsQueryOptions);
}
