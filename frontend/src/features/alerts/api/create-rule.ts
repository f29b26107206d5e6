import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type { AlertRule } from '@/types/alerts';
import { rulesQueryOptions } from './get-rules';

/** The fields a rule is written with (the hub fills in id, builtin and the timestamps). */
export type RuleFields = Omit<AlertRule, 'id' | 'builtin' | 'created_at' | 'updated_at'>;

export function createRule(fields: RuleFields): Promise<AlertRule> {
  return apiFetch<AlertRule>('/alert-rules', { method: 'POST', body: fields });
}

export function useCreateRule() {
  return useCacheMutation(createRule, invalidate(rulesQueryOptions.queryKey));
}
