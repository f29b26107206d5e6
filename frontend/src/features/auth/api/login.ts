import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { startSession } from '@/lib/session';
import type { Session } from '@/types/api.gen';

export interface Credentials {
  username: string;
  password: string;
}

/** The hub also sets the HttpOnly refresh cookie on this answer. */
export function login(credentials: Credentials): Promise<Session> {
  return apiFetch<Session>('/auth/login', { method: 'POST', body: credentials, auth: false });
}

export function useLogin() {
  return useMutation({
    mutationFn: login,
    onSuccess: ({ access, user }) => startSession(access, user),
  });
}
