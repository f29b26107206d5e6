import { useEffect, useState } from 'react';
import { subscribeHost } from '@/lib/live';
import type { HostInfo, Sample } from '@/types/api';

export interface HostLiveState {
  /** Ascending by ts, unique, within the window (plus a little slack). */
  samples: Sample[];
  /** When the newest live sample arrived, on this tab's clock. */
  lastSampleAt: number | null;
  /** The newest sample's ts minus its arrival time: lets the window scroll on the agent's clock. */
  clockOffset: number;
  /** Facts pushed by the hub after the page loaded. */
  liveInfo: HostInfo | null;
  watchingSince: number;
}

function insertionIndex(samples: Sample[], ts: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((samples[mid]?.ts ?? 0) < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorted, de-duplicated, and only what the window shows plus a minute of slack. */
function merge(current: Sample[], incoming: Sample[], windowMs: number): Sample[] {
  const next = [...current];
  let changed = false;
  for (const sample of incoming) {
    const last = next[next.length - 1];
    if (!last || sample.ts > last.ts) {
      next.push(sample);
      changed = true;
      continue;
    }
    const at = insertionIndex(next, sample.ts);
    if (next[at]?.ts === sample.ts) continue;
    next.splice(at, 0, sample);
    changed = true;
  }
  if (!changed) return current;
  const cutoff = (next[next.length - 1]?.ts ?? 0) - windowMs - 60_000;
  const firstKept = insertionIndex(next, cutoff);
  return firstKept > 0 ? next.slice(firstKept) : next;
}

/**
 * The live window of one host: the REST samples it opened with, then every WebSocket sample
 * (the live client backfills gaps after reconnects, so the window has no holes).
 */
export function useHostLive(hostId: string, initial: Sample[] | undefined, windowMs: number): HostLiveState {
  const [state, setState] = useState<HostLiveState>(() => ({
    samples: [],
    lastSampleAt: null,
    clockOffset: 0,
    liveInfo: null,
    watchingSince: Date.now(),
  }));

  useEffect(() => {
    if (!initial || initial.length === 0) return;
    setState((s) => {
      const samples = merge(s.samples, initial, windowMs);
      if (s.lastSampleAt !== null) return { ...s, samples };
      // Only REST data so far: treat the newest sample as arriving when it was taken.
      const newest = samples[samples.length - 1];
      const now = Date.now();
      return newest ? { ...s, samples, lastSampleAt: Math.min(newest.ts, now) } : { ...s, samples };
    });
  }, [initial, windowMs]);

  useEffect(() => {
    return subscribeHost(hostId, (event) => {
      if (event.type === 'host') {
        setState((s) => ({ ...s, liveInfo: event.host }));
        return;
      }
      const now = Date.now();
      setState((s) => ({
        ...s,
        samples: merge(s.samples, [event.sample], windowMs),
        lastSampleAt: now,
        clockOffset: event.sample.ts - now,
      }));
    });
  }, [hostId, windowMs]);

  return state;
}
