import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { NotificationChannel } from '@/types/alerts';
import type { ChannelFields } from './create-channel';
import { channelsQueryOptions } from './get-channels';

export function updateChannel({ id, changes }: { id: number; changes: Partial<ChannelFields> }): Promise<NotificationChannel> {
  return apiFetch<NotificationChannel>(`/notification-channels/${encodeURIComponent(String(id))}`, {
    method: 'PATCH',
    body: changes,
  });
}

export function useUpdateChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateChannel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: channelsQueryOptions.queryKey }),
  });
}
