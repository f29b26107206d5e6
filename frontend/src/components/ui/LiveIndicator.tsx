import { useLiveState, type LiveState } from '@/lib/live';

const LOOK: Record<LiveState, { label: string; dot: string; title: string }> = {
  live: { label: 'Live', dot: 'bg-ok', title: 'Receiving live updates' },
  connecting: { label: 'Connecting', dot: 'bg-warn animate-pulse motion-reduce:animate-none', title: 'Connecting to the hub…' },
  offline: { label: 'Offline', dot: 'bg-crit', title: 'Live updates interrupted; reconnecting' },
};

export function LiveIndicator() {
  const state = useLiveState();
  const look = LOOK[state];
  return (
    <span
      data-testid="live-indicator"
      data-state={state}
      role="status"
      title={look.title}
      className="inline-flex items-center gap-1.5 rounded-full border border-border px-2 py-0.5 text-xs text-fg"
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}
