import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { User } from '@/types/api';

/** Every account, ordered by username, each with its host-group access. Owners and admins only. */
export function getUsers(): Promise<User[]> {
  return apiFetch<User[]>('/users');
}

export const usersQueryOptions = queryOptions({ queryKey: ['users', 'list'], queryFn: getUsers });

export function useUsers() {
  return useQuery(usersQueryOptions);
}
