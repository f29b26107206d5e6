import { apiFetch } from '@/lib/api';
import { useCacheMutation, removeFromList } from '@/lib/mutations';
import type { Silence } from '@/types/alerts';
import { silencesQueryOptions } from './get-silences';

/**
 * Ends a silence now and keeps it on record: its end moves to this moment (a silence that has
 * not started yet is deleted instead, since it cannot end before it starts).
 */
export function expireSilence(silence: Silence): Promise<Silence | void> {
  const path = `/silences/${encodeURIComponent(String(silence.id))}`;
  if (Date.parse(silence.starts_at) >= Date.now()) return apiFetch<void>(path, { method: 'DELETE' });
  return apiFetch<Silence>(path, { method: 'PATCH', body: { ends_at: new Date().toISOString() } });
}

export function useExpireSilence() {
  return useCacheMutation(expireSilence, removeFromList(silencesQueryOptions.queryKey));
}
