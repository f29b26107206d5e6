import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { silencesQueryOptions } from './get-silences';

export function deleteSilence(id: number): Promise<void> {
  return apiFetch<void>(`/silences/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteSilence() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteSilence,
    onSuccess: (_answer, id) => {
      queryClient.setQueryData(silencesQueryOptions.queryKey, (list) => list?.filter((s) => s.id !== id));
      return queryClient.invalidateQueries({ queryKey: silencesQueryOptions.queryKey });
    },
  });
}
