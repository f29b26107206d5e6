import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
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
  return useCacheMutation(updateChannel, invalidate(channelsQueryOptions.queryKey));
}
