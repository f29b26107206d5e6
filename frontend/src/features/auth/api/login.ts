import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { startSession } from '@/lib/session';
import type { User } from '@/types/api';

export interface Credentials {
  username: string;
  password: string;
}

interface LoginResponse {
  access: string;
  user: User;
}

/** The hub also sets the HttpOnly refresh cookie on this answer. */
export function login(credentials: Credentials): Promise<LoginResponse> {
  return apiFetch<LoginResponse>('/auth/login', { method: 'POST', body: credentials, auth: false });
}

export function useLogin() {
  return useMutation({
    mutationFn: login,
    onSuccess: ({ access, user }) => startSession(access, user),
  });
}
