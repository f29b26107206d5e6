import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Host, HostGroup } from '@/types/api';

// The hub has no host-group endpoint yet: the groups known here are those of at least one host.

/** Every host group that at least one host belongs to, sorted by name. */
export async function getHostGroups(): Promise<HostGroup[]> {
  const hosts = await apiFetch<Host[]>('/hosts');
  const groups = new Map<number, HostGroup>();
  for (const host of hosts) {
    for (const group of host.groups) groups.set(group.id, { id: group.id, name: group.name });
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export const hostGroupsQueryOptions = queryOptions({ queryKey: ['users', 'host-groups'], queryFn: getHostGroups });

export function useHostGroups() {
  return useQuery(hostGroupsQueryOptions);
}
