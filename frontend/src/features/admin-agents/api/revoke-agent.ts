import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type { AgentCredential } from '../types';
import { agentsQueryOptions } from './get-agents';

export function revokeAgent(agentId: string): Promise<AgentCredential> {
  return apiFetch<AgentCredential>(`/agents/${encodeURIComponent(agentId)}/revoke`, { method: 'POST' });
}

export function useRevokeAgent() {
  return useCacheMutation(revokeAgent, invalidate(agentsQueryOptions.queryKey), { settled: true });
}
