import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { notificationsQueryOptions } from './get-notifications';
import { unreadCountQueryOptions } from './get-unread-count';

/** Which notifications to mark read: these ids, or every one of the user's. */
export type MarkReadTarget = { ids: number[] } | { all: true };

export function markRead(target: MarkReadTarget): Promise<{ marked: number; unread: number }> {
  return apiFetch<{ marked: number; unread: number }>('/notifications/read', { method: 'POST', body: target });
}

export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: markRead,
    onSuccess: (answer, target) => {
      queryClient.setQueryData(unreadCountQueryOptions.queryKey, answer.unread);
      queryClient.setQueryData(notificationsQueryOptions.queryKey, (list) =>
        list?.map((n) => ('all' in target || target.ids.includes(n.id) ? { ...n, read: true } : n)),
      );
    },
  });
}
