import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { RefusedEnrollment } from '../types';

interface AuditPage {
  results: RefusedEnrollment[];
}

export async function getRefusedEnrollments(): Promise<RefusedEnrollment[]> {
  const page = await apiFetch<AuditPage>('/audit?action=agent.enrollment_refused');
  return page.results;
}

export const refusedEnrollmentsQueryOptions = queryOptions({
  queryKey: ['agents', 'refused-enrollments'],
  queryFn: getRefusedEnrollments,
  refetchInterval: 15_000,
});

export function useRefusedEnrollments() {
  return useQuery(refusedEnrollmentsQueryOptions);
}
