import { apiFetch } from '@/lib/api';
import { useCacheMutation, removeFromList } from '@/lib/mutations';
import { channelsQueryOptions } from './get-channels';

export function deleteChannel(id: number): Promise<void> {
  return apiFetch<void>(`/notification-channels/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteChannel() {
  return useCacheMutation(deleteChannel, removeFromList(channelsQueryOptions.queryKey));
}
