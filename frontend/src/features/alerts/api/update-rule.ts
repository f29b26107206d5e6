import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { AlertRule } from '@/types/alerts';
import type { RuleFields } from './create-rule';
import { rulesQueryOptions } from './get-rules';

export function updateRule({ id, changes }: { id: number; changes: Partial<RuleFields> }): Promise<AlertRule> {
  return apiFetch<AlertRule>(`/alert-rules/${encodeURIComponent(String(id))}`, { method: 'PATCH', body: changes });
}

export function useUpdateRule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateRule,
    onSuccess: (rule) => {
      queryClient.setQueryData(rulesQueryOptions.queryKey, (rules) => rules?.map((r) => (r.id === rule.id ? rule : r)));
      return queryClient.invalidateQueries({ queryKey: rulesQueryOptions.queryKey });
    },
  });
}
