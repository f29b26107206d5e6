import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { hostGroupsQueryOptions } from '@/lib/queries/host-groups';
import { invalidateGroupViews } from './invalidate';

export function deleteHostGroup(id: number): Promise<void> {
  return apiFetch<void>(`/host-groups/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteHostGroup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteHostGroup,
    onSuccess: (_result, id) => {
      queryClient.setQueryData(hostGroupsQueryOptions.queryKey, (groups) => groups?.filter((g) => g.id !== id));
      return invalidateGroupViews(queryClient);
    },
  });
}
