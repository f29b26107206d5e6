import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Silence } from '@/types/alerts';

/** Silences not yet ended, of the scopes the user sees. */
export function getSilences(): Promise<Silence[]> {
  return apiFetch<Silence[]>('/silences', { query: { active: true } });
}

export const silencesQueryOptions = queryOptions({ queryKey: ['alerts', 'silences'], queryFn: getSilences });

export function useSilences() {
  return useQuery(silencesQueryOptions);
}
