import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { User } from '@/types/api';

export function getMe(): Promise<User> {
  return apiFetch<User>('/auth/me');
}

export const meQueryOptions = queryOptions({ queryKey: ['auth', 'me'], queryFn: getMe });

export function useMe() {
  return useQuery(meQueryOptions);
}
