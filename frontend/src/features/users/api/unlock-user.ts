import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { User } from '@/types/api';
import { usersQueryOptions } from './get-users';

/** Forgets the user's recent failed logins from every address, which ends their login throttling (audited). */
export function unlockUser(id: User['id']): Promise<User> {
  return apiFetch<User>(`/users/${encodeURIComponent(String(id))}/unlock`, { method: 'POST' });
}

export function useUnlockUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: unlockUser,
    onSuccess: (user) => {
      queryClient.setQueryData(usersQueryOptions.queryKey, (users) => users?.map((u) => (u.id === user.id ? user : u)));
    },
  });
}
