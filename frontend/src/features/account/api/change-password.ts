import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { startSession } from '@/lib/session';
import type { Session } from '@/types/api.gen';

export interface PasswordChange {
  current_password: string;
  new_password: string;
}

/**
 * The hub ends every session of the user, then answers this one with a fresh access token (and
 * refresh cookie), so this tab stays signed in.
 */
export function changePassword(change: PasswordChange): Promise<Session> {
  return apiFetch<Session>('/auth/password', { method: 'POST', body: change });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: changePassword,
    onSuccess: ({ access, user }) => startSession(access, user),
  });
}
