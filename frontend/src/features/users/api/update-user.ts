import { apiFetch } from '@/lib/api';
import { useCacheMutation, replaceInList } from '@/lib/mutations';
import { updateSessionUser } from '@/lib/session';
import type { User, UserRole } from '@/types/api';
import { usersQueryOptions } from './get-users';

export interface UserChanges {
  email?: string;
  first_name?: string;
  last_name?: string;
  role?: UserRole;
  is_active?: boolean;
}

export function updateUser({ id, changes }: { id: User['id']; changes: UserChanges }): Promise<User> {
  return apiFetch<User>(`/users/${encodeURIComponent(String(id))}`, { method: 'PATCH', body: changes });
}

export function useUpdateUser() {
  return useCacheMutation(updateUser, replaceInList(usersQueryOptions.queryKey, (_queryClient, user) => updateSessionUser(user)));
}
