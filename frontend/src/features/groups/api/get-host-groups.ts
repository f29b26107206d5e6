import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { HostGroupDetail } from '../types';

/** The host groups the user may see, by name (owners and admins: all, with who has access). */
export function getHostGroups(): Promise<HostGroupDetail[]> {
  return apiFetch<HostGroupDetail[]>('/host-groups');
}

export const hostGroupsQueryOptions = queryOptions({ queryKey: ['groups', 'list'], queryFn: getHostGroups });

export function useHostGroups() {
  return useQuery(hostGroupsQueryOptions);
}
