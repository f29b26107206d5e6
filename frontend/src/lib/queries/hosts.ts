import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Host, HostInfo, Sample } from '@/types/api';

// The hosts the user sees, with their groups: one query every view shares (fleet, tools, network,
// alerts, groups), refreshed and pruned through `hostsKey`.
//
// The hub's list also carries each host's latest sample. The fleet store reads them once, and a
// second later the live stream has superseded them; so they are handed to whoever listens
// (`subscribeLatestSamples`) and left out of the cached list (the alert rule preview, which reads
// them itself, has a query of its own: `useHostsWithLatest`). Kept in it, 2,000 hosts' samples
// (2-4 MiB, top processes included) stayed in the query cache, and the list before it as well,
// held by the fleet page's previous render (its event handlers' closures keep the query result):
// the page's retained heap grew by a list at each of the first two resyncs of its live socket
// (a reconnect, as at every access-token expiry), then stayed at two.

/** Every host query: this list, and each host's page (`['hosts', 'detail', id, …]`). */
export const anyHostKey = ['hosts'] as const;
export const hostsKey = [...anyHostKey, 'list'] as const;

type LatestListener = (latest: ReadonlyMap<string, Sample>) => void;

const latestListeners = new Set<LatestListener>();

/** Each fetched list's latest samples, by host id (hosts without one are absent), before the
 * list itself reaches the cache. */
export function subscribeLatestSamples(listener: LatestListener): () => void {
  latestListeners.add(listener);
  return () => {
    latestListeners.delete(listener);
  };
}

export async function getHosts(): Promise<HostInfo[]> {
  const hosts = await getHostsWithLatest();
  const latest = new Map<string, Sample>();
  const infos = hosts.map(({ latest: sample, ...info }) => {
    if (sample) latest.set(info.id, sample);
    return info;
  });
  for (const listener of latestListeners) listener(latest);
  return infos;
}

export const hostsQueryOptions = queryOptions({ queryKey: hostsKey, queryFn: getHosts });

/** The list with its samples, for a view that reads them itself (the alert rule preview): its own
 * query, fetched while such a view is open and dropped from the cache soon after it closes. It
 * sits under `hostsKey`, so what refreshes the list refreshes it too. */
export const hostsWithLatestKey = [...hostsKey, 'latest'] as const;

export function getHostsWithLatest(): Promise<Host[]> {
  return apiFetch<Host[]>('/hosts');
}

export function useHostsWithLatest() {
  return useQuery({ queryKey: hostsWithLatestKey, queryFn: getHostsWithLatest, gcTime: 10_000 });
}

/** `refetchInterval`: for views that show online state without the fleet's live socket. */
export function useHosts(options: { refetchInterval?: number } = {}) {
  return useQuery({ ...hostsQueryOptions, ...options });
}
