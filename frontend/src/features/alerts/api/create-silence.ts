import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Silence } from '@/types/alerts';
import { silencesQueryOptions } from './get-silences';

export interface SilenceFields {
  host: string | null;
  group: number | null;
  rule: number | null;
  label: string;
  /** ISO 8601; omitted: now. */
  starts_at?: string;
  ends_at: string;
  comment: string;
}

export function createSilence(fields: SilenceFields): Promise<Silence> {
  return apiFetch<Silence>('/silences', { method: 'POST', body: fields });
}

export function useCreateSilence() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createSilence,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: silencesQueryOptions.queryKey }),
  });
}
