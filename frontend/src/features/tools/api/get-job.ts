import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { ToolJobDetail } from '@/types/jobs';

export function getJob(jobId: string): Promise<ToolJobDetail> {
  return apiFetch<ToolJobDetail>(`/jobs/${encodeURIComponent(jobId)}`);
}

export function jobQueryOptions(jobId: string) {
  return queryOptions({ queryKey: ['jobs', 'detail', jobId], queryFn: () => getJob(jobId), staleTime: 0 });
}

/** One job with every result item stored so far; live frames carry what comes after. */
export function useJob(jobId: string | null) {
  return useQuery({ ...jobQueryOptions(jobId ?? ''), enabled: jobId !== null });
}
