import { apiFetch } from '@/lib/api';
import { useCacheMutation, replaceInList } from '@/lib/mutations';
import type { HostGroupDetail } from '../types';
import { hostGroupsQueryOptions } from '@/lib/queries/host-groups';
import { invalidateGroupViews } from './invalidate';

/** Replaces the group's hosts; a host may stay in other groups as well. */
export function setGroupHosts({ id, hostIds }: { id: number; hostIds: string[] }): Promise<HostGroupDetail> {
  return apiFetch<HostGroupDetail>(`/host-groups/${encodeURIComponent(String(id))}/hosts`, {
    method: 'PUT',
    body: { host_ids: hostIds },
  });
}

export function useSetGroupHosts() {
  return useCacheMutation(setGroupHosts, replaceInList(hostGroupsQueryOptions.queryKey, invalidateGroupViews));
}
