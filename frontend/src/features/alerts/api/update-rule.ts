import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate, replaceInList } from '@/lib/mutations';
import type { AlertRule } from '@/types/alerts';
import type { RuleFields } from './create-rule';
import { rulesQueryOptions } from './get-rules';

export function updateRule({ id, changes }: { id: number; changes: Partial<RuleFields> }): Promise<AlertRule> {
  return apiFetch<AlertRule>(`/alert-rules/${encodeURIComponent(String(id))}`, { method: 'PATCH', body: changes });
}

export function useUpdateRule() {
  return useCacheMutation(updateRule, replaceInList(rulesQueryOptions.queryKey, invalidate(rulesQueryOptions.queryKey)));
}
