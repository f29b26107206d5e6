import { apiFetch } from '@/lib/api';
import { useCacheMutation, removeFromList } from '@/lib/mutations';
import type { User } from '@/types/api';
import { usersQueryOptions } from './get-users';

export function deleteUser(id: User['id']): Promise<void> {
  return apiFetch<void>(`/users/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteUser() {
  return useCacheMutation(deleteUser, removeFromList(usersQueryOptions.queryKey));
}
