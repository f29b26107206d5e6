import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
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
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createHostGroup,
    onSuccess: () => invalidateGroupViews(queryClient),
  });
}
