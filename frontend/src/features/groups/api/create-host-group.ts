import { apiFetch } from '@/lib/api';
import { useCacheMutation } from '@/lib/mutations';
import type { HostGroupDetail } from '../types';
import { invalidateGroupViews } from './invalidate';

export interface NewHostGroup {
  name: string;
  description?: string;
}

export function createHostGroup(input: NewHostGroup): Promise<HostGroupDetail> {
  return apiFetch<HostGroupDetail>('/host-groups', { method: 'POST', body: input });
}

export function useCreateHostGroup() {
  return useCacheMutation(createHostGroup, invalidateGroupViews);
}
