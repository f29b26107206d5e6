import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { subscribeAlerts } from '@/lib/live';

/** A burst of frames (a storm) reloads the alert lists once, not once per frame. */
const RELOAD_DELAY_MS = 300;

/**
 * Keeps every view of alerts current: each feature keys its alert queries under `['alerts', …]`,
 * and an `alert` frame (or a reconnect, after which frames may be missing) reloads them all.
 */
export function useAlertFrames(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = subscribeAlerts((event) => {
      if (event.type === 'notification' || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        void queryClient.invalidateQueries({ queryKey: ['alerts'] });
      }, RELOAD_DELAY_MS);
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [queryClient]);
}
