import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { startSession } from '@/lib/session';
import type { Session } from '@/types/api.gen';
import { setupStatusQueryOptions } from './get-setup-status';

export interface OwnerInput {
  username: string;
  password: string;
  email?: string;
}

/** First run only: the hub answers 409 once any account exists. Sets the refresh cookie too. */
export function createOwner(input: OwnerInput): Promise<Session> {
  return apiFetch<Session>('/setup', { method: 'POST', body: input, auth: false });
}

export function useCreateOwner() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createOwner,
    onSuccess: ({ access, user }) => {
      queryClient.setQueryData(setupStatusQueryOptions.queryKey, { needs_owner: false });
      startSession(access, user);
    },
  });
}
