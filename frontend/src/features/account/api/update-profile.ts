import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { updateSessionUser } from '@/lib/session';
import type { ThemePreference, User } from '@/types/api';
import { profileQueryOptions } from './get-profile';

export interface ProfileChanges {
  email?: string;
  first_name?: string;
  last_name?: string;
  theme?: ThemePreference;
}

export function updateProfile(changes: ProfileChanges): Promise<User> {
  return apiFetch<User>('/auth/me', { method: 'PATCH', body: changes });
}

export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateProfile,
    onSuccess: (user) => {
      queryClient.setQueryData(profileQueryOptions.queryKey, user);
      updateSessionUser(user);
    },
  });
}
