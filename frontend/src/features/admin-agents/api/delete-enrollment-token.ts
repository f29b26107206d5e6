import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import { enrollmentTokensQueryOptions } from './get-enrollment-tokens';

export function deleteEnrollmentToken(tokenId: number): Promise<void> {
  return apiFetch<void>(`/enrollment-tokens/${encodeURIComponent(String(tokenId))}`, { method: 'DELETE' });
}

export function useDeleteEnrollmentToken() {
  return useCacheMutation(deleteEnrollmentToken, invalidate(enrollmentTokensQueryOptions.queryKey), { settled: true });
}
