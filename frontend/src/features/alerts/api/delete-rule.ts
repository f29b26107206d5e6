import { apiFetch } from '@/lib/api';
import { useCacheMutation, removeFromList } from '@/lib/mutations';
import { rulesQueryOptions } from './get-rules';

export function deleteRule(id: number): Promise<void> {
  return apiFetch<void>(`/alert-rules/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function useDeleteRule() {
  return useCacheMutation(deleteRule, removeFromList(rulesQueryOptions.queryKey));
}
