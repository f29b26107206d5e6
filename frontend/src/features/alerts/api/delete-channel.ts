import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { channelsQueryOptions } from './get-channels';

export function deleteChannel(id: number): Promise<void> {
  return apiFetch<void>(`/notification-channels/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteChannel,
    onSuccess: (_answer, id) => {
      queryClient.setQueryData(channelsQueryOptions.queryKey, (list) => list?.filter((c) => c.id !== id));
      return queryClient.invalidateQueries({ queryKey: channelsQueryOptions.queryKey });
    },
  });
}
