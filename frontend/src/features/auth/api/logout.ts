import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { endSession } from '@/lib/session';

/** Blacklists the refresh token and clears its cookie. */
export function logout(): Promise<void> {
  return apiFetch<void>('/auth/logout', { method: 'POST', auth: false });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    // Leave the tab logged out even if the hub could not be told: nothing is kept locally.
    onSettled: () => {
      endSession(false);
      queryClient.clear();
    },
  });
}
