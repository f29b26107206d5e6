import { apiFetch } from '@/lib/api';
import { useCacheMutation } from '@/lib/mutations';
import type { HostGroupDetail } from '../types';
import { invalidateGroupViews } from './invalidate';

export interface HostGroupChanges {
  name?: string;
  description?: string;
}

export function updateHostGroup({ id, changes }: { id: number; changes: HostGroupChanges }): Promise<HostGroupDetail> {
  return apiFetch<HostGroupDetail>(`/host-groups/${encodeURIComponent(String(id))}`, { method: 'PATCH', body: changes });
}

export function useUpdateHostGroup() {
  return useCacheMutation(updateHostGroup, invalidateGroupViews);
}
