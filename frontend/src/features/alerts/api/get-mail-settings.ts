import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { MailSettings } from '@/types/alerts';

/** The hub's outgoing mail server as it sends now, and where each value comes from; admins only. */
export function getMailSettings(): Promise<MailSettings> {
  return apiFetch<MailSettings>('/mail-settings');
}

export const mailSettingsQueryOptions = queryOptions({ queryKey: ['alerts', 'mail-settings'], queryFn: getMailSettings });

export function useMailSettings() {
  return useQuery(mailSettingsQueryOptions);
}
