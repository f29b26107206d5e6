import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { NotificationChannel } from '@/types/alerts';

/** Every notification channel; admins only. */
export function getChannels(): Promise<NotificationChannel[]> {
  return apiFetch<NotificationChannel[]>('/notification-channels');
}

export const channelsQueryOptions = queryOptions({ queryKey: ['alerts', 'channels'], queryFn: getChannels });

export function useChannels(enabled: boolean) {
  return useQuery({ ...channelsQueryOptions, enabled });
}
