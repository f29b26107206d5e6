import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { subscribeAlerts } from '@/lib/live';
import type { AppNotification } from '@/types/alerts';
import { notificationsQueryOptions } from '../api/get-notifications';
import { unreadCountQueryOptions } from '../api/get-unread-count';
import { NotificationBell } from './NotificationBell';
import { Toasts } from './Toasts';

/** A storm of alerts must not bury the screen: older toasts give way to the newest few. */
const MAX_TOASTS = 4;

/**
 * The shell's bell and toasts: `notification` frames add one to the unread count, put the new
 * notification at the head of the list and show a toast; a reconnect reloads both.
 */
export function NotificationCenter() {
  const queryClient = useQueryClient();
  const [toasts, setToasts] = useState<AppNotification[]>([]);
  const seen = useRef(new Set<number>());

  useEffect(
    () =>
      subscribeAlerts((event) => {
        if (event.type === 'resync') {
          void queryClient.invalidateQueries({ queryKey: ['notifications'] });
          return;
        }
        if (event.type !== 'notification') return;
        const notification = event.notification;
        // A frame the hub sent twice (two sockets merged by a reconnect) counts once.
        if (seen.current.has(notification.id)) return;
        seen.current.add(notification.id);
        queryClient.setQueryData(unreadCountQueryOptions.queryKey, (count) => (count ?? 0) + (notification.read ? 0 : 1));
        queryClient.setQueryData(notificationsQueryOptions.queryKey, (list) =>
          list && !list.some((n) => n.id === notification.id) ? [notification, ...list] : list,
        );
        setToasts((current) => [...current, notification].slice(-MAX_TOASTS));
      }),
    [queryClient],
  );

  const dismiss = useCallback((id: number) => setToasts((current) => current.filter((t) => t.id !== id)), []);

  return (
    <>
      <NotificationBell />
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </>
  );
}
