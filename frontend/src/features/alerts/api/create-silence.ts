import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type { Silence } from '@/types/alerts';
import type * as Api from '@/types/api.gen';
import { silencesQueryOptions } from './get-silences';

export function createSilence(fields: Api.SilenceCreateRequest): Promise<Silence> {
  return apiFetch<Silence>('/silences', { method: 'POST', body: fields });
}

export function useCreateSilence() {
  return useCacheMutation(createSilence, invalidate(silencesQueryOptions.queryKey));
}
