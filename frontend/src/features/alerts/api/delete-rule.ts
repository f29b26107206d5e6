import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { rulesQueryOptions } from './get-rules';

export function deleteRule(id: number): Promise<void> {
  return apiFetch<void>(`/alert-rules/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteRule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteRule,
    onSuccess: (_answer, id) => {
      queryClient.setQueryData(rulesQueryOptions.queryKey, (rules) => rules?.filter((r) => r.id !== id));
      return queryClient.invalidateQueries({ queryKey: rulesQueryOptions.queryKey });
    },
  });
}
