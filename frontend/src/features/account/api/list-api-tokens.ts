import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { HostGroup } from '@/types/api';

export type ApiTokenRole = 'read' | 'operate';

/** One of the user's personal API tokens; the secret itself is never listed. */
export interface ApiToken {
  id: number;
  name: string;
  /** The secret's first characters, to tell tokens apart. */
  prefix: string;
  role: ApiTokenRole;
  groups: HostGroup[];
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  last_used_ip: string | null;
  revoked_at: string | null;
  state: 'active' | 'expired' | 'revoked';
}

export function listApiTokens(): Promise<ApiToken[]> {
  return apiFetch<ApiToken[]>('/auth/api-tokens');
}

export const apiTokensQueryOptions = queryOptions({ queryKey: ['account', 'api-tokens'], queryFn: listApiTokens });

export function useApiTokens() {
  return useQuery(apiTokensQueryOptions);
}
