import { apiFetch } from '@/lib/api';
import { useCacheMutation, replaceInList } from '@/lib/mutations';
import type { User } from '@/types/api';
import { usersQueryOptions } from './get-users';

/** Forgets the user's recent failed logins from every address, which ends their login throttling (audited). */
export function unlockUser(id: User['id']): Promise<User> {
  return apiFetch<User>(`/users/${encodeURIComponent(String(id))}/unlock`, { method: 'POST' });
}

export function useUnlockUser() {
  return useCacheMutation(unlockUser, replaceInList(usersQueryOptions.queryKey));
}
