import { useQuery } from '@tanstack/react-query';
import { getQueryOptions } from '@/lib/api-query';
import type { EnrollmentToken } from '../types';

// Uses are spent by agents enrolling elsewhere; expiry moves with time.
export const enrollmentTokensQueryOptions = getQueryOptions<EnrollmentToken[]>(['enrollment-tokens', 'list'], '/enrollment-tokens', {
  refetchInterval: 30_000,
});

export function useEnrollmentTokens() {
  return useQuery(enrollmentTokensQueryOptions);
}
