import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type * as Api from '@/types/api.gen';
import { apiTokensQueryOptions, type ApiTokenRole } from './list-api-tokens';

export interface NewApiToken {
  name: string;
  role: ApiTokenRole;
  groups: number[];
  expires_in_days: number;
}

/** The new token with its secret: the only answer that ever carries it. */
export type CreatedApiToken = Api.CreatedApiToken;

export function createApiToken(token: NewApiToken): Promise<CreatedApiToken> {
  return apiFetch<CreatedApiToken>('/auth/api-tokens', { method: 'POST', body: token });
}

export function useCreateApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createApiToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiTokensQueryOptions.queryKey }),
  });
}
