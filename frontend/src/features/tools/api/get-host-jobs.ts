import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { ToolJob } from '@/types/jobs';

export function getHostJobs(hostId: string): Promise<ToolJob[]> {
  return apiFetch<ToolJob[]>(`/hosts/${encodeURIComponent(hostId)}/jobs`);
}

export function hostJobsQueryOptions(hostId: string) {
  return queryOptions({ queryKey: ['jobs', 'host', hostId], queryFn: () => getHostJobs(hostId) });
}

/** The host's most recent jobs (newest first, at most 50), without their rows. */
export function useHostJobs(hostId: string | null) {
  return useQuery({ ...hostJobsQueryOptions(hostId ?? ''), enabled: hostId !== null });
}
