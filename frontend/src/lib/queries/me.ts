import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { User } from '@/types/api';

// The signed-in user with their group access (the login answer carries no access list).

export const meKey = ['auth', 'me'] as const;

export function getMe(): Promise<User> {
  return apiFetch<User>('/auth/me');
}

export const meQueryOptions = queryOptions({ queryKey: meKey, queryFn: getMe });

export function useMe() {
  return useQuery(meQueryOptions);
}
