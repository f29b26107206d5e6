import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { User } from '@/types/api';
import { usersQueryOptions } from './get-users';

export function deleteUser(id: User['id']): Promise<void> {
  return apiFetch<void>(`/users/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteUser,
    onSuccess: (_result, id) => {
      queryClient.setQueryData(usersQueryOptions.queryKey, (users) => users?.filter((u) => u.id !== id));
      return queryClient.invalidateQueries({ queryKey: usersQueryOptions.queryKey });
    },
  });
}
