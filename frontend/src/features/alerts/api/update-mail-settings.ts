import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { MailSettings, MailSettingsChange } from '@/types/alerts';
import { mailSettingsQueryOptions } from './get-mail-settings';

export function updateMailSettings(changes: MailSettingsChange): Promise<MailSettings> {
  return apiFetch<MailSettings>('/mail-settings', { method: 'PUT', body: changes });
}

export function useUpdateMailSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateMailSettings,
    onSuccess: (saved) => queryClient.setQueryData(mailSettingsQueryOptions.queryKey, saved),
  });
}
