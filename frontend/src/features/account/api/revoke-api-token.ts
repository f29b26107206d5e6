import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { apiTokensQueryOptions, type ApiToken } from './list-api-tokens';

export function revokeApiToken(id: ApiToken['id']): Promise<void> {
  return apiFetch<void>(`/auth/api-tokens/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useRevokeApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeApiToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiTokensQueryOptions.queryKey }),
  });
}
