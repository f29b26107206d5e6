import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type * as Api from '@/types/api.gen';
import { apiTokensQueryOptions } from './list-api-tokens';

/** The new token with its secret: the only answer that ever carries it. */
export type CreatedApiToken = Api.CreatedApiToken;

export function createApiToken(token: Api.ApiTokenCreateRequest): Promise<CreatedApiToken> {
  return apiFetch<CreatedApiToken>('/auth/api-tokens', { method: 'POST', body: token });
}

export function useCreateApiToken() {
  return useCacheMutation(createApiToken, invalidate(apiTokensQueryOptions.queryKey));
}
