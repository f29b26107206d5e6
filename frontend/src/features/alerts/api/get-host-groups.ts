import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { HostGroup } from '@/types/api';

/** The host groups the user sees, sorted by name. */
export async function getHostGroups(): Promise<HostGroup[]> {
  const groups = await apiFetch<HostGroup[]>('/host-groups');
  return groups.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name));
}

export const hostGroupsQueryOptions = queryOptions({ queryKey: ['alert-host-groups'], queryFn: getHostGroups });

export function useHostGroups() {
  return useQuery(hostGroupsQueryOptions);
}
