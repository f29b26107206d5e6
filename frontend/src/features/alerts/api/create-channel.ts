import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type { ChannelKind, NotificationChannel, Severity } from '@/types/alerts';
import { channelsQueryOptions } from './get-channels';

export interface ChannelFields {
  name: string;
  kind: ChannelKind;
  config: { to?: string[]; url?: string };
  /** Write-only: the signing key of a webhook, the URL of an Apprise channel. Omitted: kept. */
  secret?: string;
  min_severity: Severity;
  groups: number[];
  enabled: boolean;
}

export function createChannel(fields: ChannelFields): Promise<NotificationChannel> {
  return apiFetch<NotificationChannel>('/notification-channels', { method: 'POST', body: fields });
}

export function useCreateChannel() {
  return useCacheMutation(createChannel, invalidate(channelsQueryOptions.queryKey));
}
