import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { enrollmentTokensQueryOptions } from './get-enrollment-tokens';

export function deleteEnrollmentToken(tokenId: number): Promise<void> {
  return apiFetch<void>(`/enrollment-tokens/${encodeURIComponent(String(tokenId))}`, { method: 'DELETE' });
}

export function useDeleteEnrollmentToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteEnrollmentToken,
    onSettled: () => queryClient.invalidateQueries({ queryKey: enrollmentTokensQueryOptions.queryKey }),
  });
}
