import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import { apiTokensQueryOptions, type ApiToken } from './list-api-tokens';

export function revokeApiToken(id: ApiToken['id']): Promise<void> {
  return apiFetch<void>(`/auth/api-tokens/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useRevokeApiToken() {
  return useCacheMutation(revokeApiToken, invalidate(apiTokensQueryOptions.queryKey));
}
