import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { User, UserRole } from '@/types/api';
import { usersQueryOptions } from './get-users';

export interface NewUser {
  username: string;
  email: string;
  password: string;
  role: UserRole;
}

export function createUser(input: NewUser): Promise<User> {
  return apiFetch<User>('/users', { method: 'POST', body: input });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersQueryOptions.queryKey }),
  });
}
