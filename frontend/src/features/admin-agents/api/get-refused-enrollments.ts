import { useQuery } from '@tanstack/react-query';
import { getQueryOptions } from '@/lib/api-query';
import type { RefusedEnrollment } from '../types';

interface AuditPage {
  results: RefusedEnrollment[];
}

/** The audit log's refused enrollments (its first page). */
export const refusedEnrollmentsQueryOptions = getQueryOptions<AuditPage>(
  ['agents', 'refused-enrollments'],
  '/audit?action=agent.enrollment_refused',
  { refetchInterval: 15_000 },
);

export function useRefusedEnrollments() {
  return useQuery({ ...refusedEnrollmentsQueryOptions, select: (page) => page.results });
}
