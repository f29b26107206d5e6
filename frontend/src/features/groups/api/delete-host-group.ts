import { apiFetch } from '@/lib/api';
import { useCacheMutation, removeFromList } from '@/lib/mutations';
import { hostGroupsQueryOptions } from '@/lib/queries/host-groups';
import { invalidateGroupViews } from './invalidate';

export function deleteHostGroup(id: number): Promise<void> {
  return apiFetch<void>(`/host-groups/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteHostGroup() {
  return useCacheMutation(deleteHostGroup, removeFromList(hostGroupsQueryOptions.queryKey, invalidateGroupViews));
}
