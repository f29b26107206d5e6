import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { AlertRule } from '@/types/alerts';
import { rulesQueryOptions } from './get-rules';

/** The fields a rule is written with (the hub fills in id, builtin and the timestamps). */
export type RuleFields = Omit<AlertRule, 'id' | 'builtin' | 'created_at' | 'updated_at'>;

export function createRule(fields: RuleFields): Promise<AlertRule> {
  return apiFetch<AlertRule>('/alert-rules', { method: 'POST', body: fields });
}

export function useCreateRule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createRule,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: rulesQueryOptions.queryKey }),
  });
}
