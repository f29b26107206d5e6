import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
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
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateUser,
    onSuccess: (user) => {
      queryClient.setQueryData(usersQueryOptions.queryKey, (users) => users?.map((u) => (u.id === user.id ? user : u)));
      updateSessionUser(user);
    },
  });
}
