import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { User } from '@/types/api';

/** Sets a new password for someone else; the hub ends that user's sessions. */
export function resetUserPassword({ id, password }: { id: User['id']; password: string }): Promise<void> {
  return apiFetch<void>(`/users/${encodeURIComponent(String(id))}/password`, { method: 'POST', body: { password } });
}

export function useResetUserPassword() {
  return useMutation({ mutationFn: resetUserPassword });
}
