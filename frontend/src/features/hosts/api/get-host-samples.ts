import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Sample, SamplesPage } from '@/types/api';

export interface SamplesRange {
  /** unix ms */
  since?: number;
  until?: number;
  limit?: number;
}

export async function getHostSamples(hostId: string, range: SamplesRange): Promise<Sample[]> {
  const page = await apiFetch<SamplesPage>(`/hosts/${encodeURIComponent(hostId)}/samples`, {
    query: { since: range.since, until: range.until, limit: range.limit },
  });
  return page.samples;
}

/** The samples that fill a live chart window when the page opens. */
export function recentSamplesQueryOptions(hostId: string, windowMs: number) {
  return queryOptions({
    queryKey: ['hosts', 'detail', hostId, 'samples', windowMs],
    queryFn: () => getHostSamples(hostId, { since: Date.now() - windowMs, limit: 3600 }),
    // Live frames keep the window current after this first load; never serve an old copy.
    staleTime: Infinity,
    gcTime: 0,
    refetchOnMount: 'always',
  });
}

export function useRecentSamples(hostId: string, windowMs: number) {
  return useQuery(recentSamplesQueryOptions(hostId, windowMs));
}
