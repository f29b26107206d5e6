import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { EnrollmentToken } from '../types';

export function getEnrollmentTokens(): Promise<EnrollmentToken[]> {
  return apiFetch<EnrollmentToken[]>('/enrollment-tokens');
}

export const enrollmentTokensQueryOptions = queryOptions({
  queryKey: ['enrollment-tokens', 'list'],
  queryFn: getEnrollmentTokens,
  // Uses are spent by agents enrolling elsewhere; expiry moves with time.
  refetchInterval: 30_000,
});

export function useEnrollmentTokens() {
  return useQuery(enrollmentTokensQueryOptions);
}
