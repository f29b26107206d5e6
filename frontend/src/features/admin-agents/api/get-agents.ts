import { useQuery } from '@tanstack/react-query';
import { getQueryOptions } from '@/lib/api-query';
import type { AgentCredential } from '../types';

// Connection state changes as agents come and go; this page has no live feed of its own.
export const agentsQueryOptions = getQueryOptions<AgentCredential[]>(['agents', 'list'], '/agents', { refetchInterval: 15_000 });

export function useAgents() {
  return useQuery(agentsQueryOptions);
}
