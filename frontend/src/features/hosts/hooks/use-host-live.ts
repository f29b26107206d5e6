import { useEffect, useState } from 'react';
import { subscribeHost } from '@/lib/live';
import type { HostInfo, Sample } from '@/types/api';

/** The families not carried by every sample; a null one means "not collected on this tick". */
export interface SlowFamilies {
  processes: Sample['processes'];
  listening: Sample['listening'];
  users: Sample['users'];
  failed_units: Sample['failed_units'];
}

type SlowKey = keyof SlowFamilies;
const SLOW_KEYS: SlowKey[] = ['processes', 'listening', 'users', 'failed_units'];

interface SlowState {
  values: SlowFamilies;
  /** ts of the sample each value came from: an older sample (backfill) must not replace it. */
  at: Record<SlowKey, number>;
}

const EMPTY_SLOW: SlowState = {
  values: { processes: null, listening: null, users: null, failed_units: null },
  at: { processes: -1, listening: -1, users: -1, failed_units: -1 },
};

function keepSlow(current: SlowState, samples: Sample[]): SlowState {
  let next = current;
  for (const sample of samples) {
    for (const key of SLOW_KEYS) {
      const value = sample[key];
      if (value === null || value === undefined || sample.ts < next.at[key]) continue;
      if (next === current) next = { values: { ...current.values }, at: { ...current.at } };
      // The union of the four families' types: each key receives its own family's value.
      (next.values as Record<SlowKey, unknown>)[key] = value;
      next.at[key] = sample.ts;
    }
  }
  return next;
}

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
  /** The newest non-null value of each slower family seen on this page. */
  slow: SlowFamilies;
  slowState: SlowState;
  /** The hub said the user may no longer see this host. */
  accessLost: boolean;
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
    slow: EMPTY_SLOW.values,
    slowState: EMPTY_SLOW,
    accessLost: false,
  }));

  useEffect(() => {
    if (!initial || initial.length === 0) return;
    setState((s) => {
      const samples = merge(s.samples, initial, windowMs);
      const slowState = keepSlow(s.slowState, initial);
      const base = { ...s, samples, slowState, slow: slowState.values };
      if (s.lastSampleAt !== null) return base;
      // Only REST data so far: treat the newest sample as arriving when it was taken.
      const newest = samples[samples.length - 1];
      const now = Date.now();
      return newest ? { ...base, lastSampleAt: Math.min(newest.ts, now) } : base;
    });
  }, [initial, windowMs]);

  useEffect(() => {
    return subscribeHost(hostId, (event) => {
      if (event.type === 'host') {
        setState((s) => ({ ...s, liveInfo: event.host }));
        return;
      }
      if (event.type === 'lost') {
        setState((s) => ({ ...s, accessLost: true }));
        return;
      }
      const now = Date.now();
      const sample = event.sample;
      setState((s) => {
        const slowState = keepSlow(s.slowState, [sample]);
        return {
          ...s,
          samples: merge(s.samples, [sample], windowMs),
          lastSampleAt: now,
          clockOffset: sample.ts - now,
          slowState,
          slow: slowState.values,
        };
      });
    });
  }, [hostId, windowMs]);

  return state;
}
