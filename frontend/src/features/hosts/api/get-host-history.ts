import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { HostHistory } from '@/types/api';

/** The hub answers at most this many buckets per request. */
export const HISTORY_POINTS = 1000;

/** Every series family the host page charts: all of CPU, cores, memory, swap, load, disks, I/O, network. */
export const CHART_SERIES = ['cpu', 'core.', 'mem.', 'swap.', 'load', 'disk.', 'io.', 'net.'] as const;

export interface HistoryWindow {
  /** unix ms */
  start: number;
  end: number;
}

export function getHostHistory(hostId: string, window: HistoryWindow, series: readonly string[]): Promise<HostHistory> {
  return apiFetch<HostHistory>(`/hosts/${encodeURIComponent(hostId)}/history`, {
    query: { start: Math.floor(window.start), end: Math.ceil(window.end), points: HISTORY_POINTS, series: series.join(',') },
  });
}

export function hostHistoryQueryOptions(hostId: string, window: HistoryWindow, series: readonly string[] = CHART_SERIES) {
  return queryOptions({
    queryKey: ['hosts', 'detail', hostId, 'history', window.start, window.end, series.join(',')],
    queryFn: () => getHostHistory(hostId, window, series),
    // A past window does not change; a window ending now is re-asked for by picking it again.
    staleTime: Infinity,
    gcTime: 5 * 60_000,
  });
}

export function useHostHistory(hostId: string, window: HistoryWindow | null) {
  return useQuery({
    ...hostHistoryQueryOptions(hostId, window ?? { start: 0, end: 1 }),
    enabled: window !== null,
    placeholderData: keepPreviousData,
  });
}
