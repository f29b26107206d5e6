import { useSyncExternalStore } from 'react';
import { formatAgo } from './format';

// One clock for every "x s ago" on the page: a single timer, started by the first text that
// shows a relative time and stopped with the last. Each text re-renders only when its own
// wording changes ("32 s ago" → "33 s ago", but "5 min ago" only once a minute).

const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** "just now", "12 s ago", "5 min ago": kept current while the component is mounted. */
export function useRelativeTime(ts: number | null | undefined): string {
  // Before the first subscriber starts the timer, `now` may be from the last time it ran.
  return useSyncExternalStore(subscribe, () => formatAgo(ts, timer === null ? Date.now() : now));
}
