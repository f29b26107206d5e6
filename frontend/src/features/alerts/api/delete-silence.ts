import { apiFetch } from '@/lib/api';
import { useCacheMutation, removeFromList } from '@/lib/mutations';
import { silencesQueryOptions } from './get-silences';

export function deleteSilence(id: number): Promise<void> {
  return apiFetch<void>(`/silences/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteSilence() {
  return useCacheMutation(deleteSilence, removeFromList(silencesQueryOptions.queryKey));
}
