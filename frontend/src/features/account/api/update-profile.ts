import { apiFetch } from '@/lib/api';
import { storeAnswer, useCacheMutation } from '@/lib/mutations';
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
  return useCacheMutation(updateProfile, storeAnswer(profileQueryOptions.queryKey, (_queryClient, user) => updateSessionUser(user)));
}
