import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { User } from '@/types/api';

/** The signed-in user with their host-group access. */
export function getProfile(): Promise<User> {
  return apiFetch<User>('/auth/me');
}

export const profileQueryOptions = queryOptions({ queryKey: ['account', 'me'], queryFn: getProfile });

export function useProfile() {
  return useQuery(profileQueryOptions);
}
