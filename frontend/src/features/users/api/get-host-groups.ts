import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { HostGroup } from '@/types/api';

/** Every host group (owners and admins see them all), sorted by name, as `{id, name}`. */
export async function getHostGroups(): Promise<HostGroup[]> {
  const groups = await apiFetch<HostGroup[]>('/host-groups');
  return groups.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name));
}

export const hostGroupsQueryOptions = queryOptions({ queryKey: ['users', 'host-groups'], queryFn: getHostGroups });

export function useHostGroups() {
  return useQuery(hostGroupsQueryOptions);
}
