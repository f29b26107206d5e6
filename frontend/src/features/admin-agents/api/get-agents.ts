import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { AgentCredential } from '../types';

export function getAgents(): Promise<AgentCredential[]> {
  return apiFetch<AgentCredential[]>('/agents');
}

export const agentsQueryOptions = queryOptions({
  queryKey: ['agents', 'list'],
  queryFn: getAgents,
  // Connection state changes as agents come and go; this page has no live feed of its own.
  refetchInterval: 15_000,
});

export function useAgents() {
  return useQuery(agentsQueryOptions);
}
