import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type { User } from '@/types/api';
import type * as Api from '@/types/api.gen';
import { usersQueryOptions } from './get-users';

export function createUser(input: Api.UserCreateRequest): Promise<User> {
  return apiFetch<User>('/users', { method: 'POST', body: input });
}

export function useCreateUser() {
  return useCacheMutation(createUser, invalidate(usersQueryOptions.queryKey));
}
