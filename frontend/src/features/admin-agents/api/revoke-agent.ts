import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { AgentCredential } from '../types';
import { agentsQueryOptions } from './get-agents';

export function revokeAgent(agentId: string): Promise<AgentCredential> {
  return apiFetch<AgentCredential>(`/agents/${encodeURIComponent(agentId)}/revoke`, { method: 'POST' });
}

export function useRevokeAgent() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeAgent,
    onSettled: () => queryClient.invalidateQueries({ queryKey: agentsQueryOptions.queryKey }),
  });
}
