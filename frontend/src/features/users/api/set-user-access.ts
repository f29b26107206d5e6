import { apiFetch } from '@/lib/api';
import { useCacheMutation, replaceInList } from '@/lib/mutations';
import type { GroupRole, User } from '@/types/api';
import { usersQueryOptions } from './get-users';

export interface AccessEntry {
  group_id: number;
  role: GroupRole;
}

/** Replaces the user's whole list of host-group grants. */
export function setUserAccess({ id, access }: { id: User['id']; access: AccessEntry[] }): Promise<User> {
  return apiFetch<User>(`/users/${encodeURIComponent(String(id))}/access`, { method: 'PUT', body: { access } });
}

export function useSetUserAccess() {
  return useCacheMutation(setUserAccess, replaceInList(usersQueryOptions.queryKey));
}
