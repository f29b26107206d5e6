import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type * as Api from '@/types/api.gen';

export type ApiTokenRole = Api.ApiTokenRoleEnum;
/** One of the user's personal API tokens; the secret itself is never listed. */
export type ApiToken = Api.ApiToken;

export function listApiTokens(): Promise<ApiToken[]> {
  return apiFetch<ApiToken[]>('/auth/api-tokens');
}

export const apiTokensQueryOptions = queryOptions({ queryKey: ['account', 'api-tokens'], queryFn: listApiTokens });

export function useApiTokens() {
  return useQuery(apiTokensQueryOptions);
}
