import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';

/** How many of the user's own notifications are unread. */
export async function getUnreadCount(): Promise<number> {
  const answer = await apiFetch<{ unread: number }>('/notifications/unread');
  return answer.unread;
}

export const unreadCountQueryOptions = queryOptions({ queryKey: ['notifications', 'unread'], queryFn: getUnreadCount });

export function useUnreadCount() {
  return useQuery(unreadCountQueryOptions);
}
