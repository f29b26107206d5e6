import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { AppNotification } from '@/types/alerts';

const LIST_LIMIT = 50;

/** The user's newest notifications, newest first. */
export function getNotifications(): Promise<AppNotification[]> {
  return apiFetch<AppNotification[]>('/notifications', { query: { limit: LIST_LIMIT } });
}

export const notificationsQueryOptions = queryOptions({ queryKey: ['notifications', 'list'], queryFn: getNotifications });

/** Fetched only while the list is open: the bell's count comes from its own small query. */
export function useNotifications(enabled: boolean) {
  return useQuery({ ...notificationsQueryOptions, enabled });
}
