import { apiFetch } from '@/lib/api';
import { storeAnswer, useCacheMutation } from '@/lib/mutations';
import type { MailSettings, MailSettingsChange } from '@/types/alerts';
import { mailSettingsQueryOptions } from './get-mail-settings';

export function updateMailSettings(changes: MailSettingsChange): Promise<MailSettings> {
  return apiFetch<MailSettings>('/mail-settings', { method: 'PUT', body: changes });
}

export function useUpdateMailSettings() {
  return useCacheMutation(updateMailSettings, storeAnswer(mailSettingsQueryOptions.queryKey));
}
