import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Host } from '@/types/api';

/** Every host, for the membership checklist (owners and admins see them all). */
export function getHosts(): Promise<Host[]> {
  return apiFetch<Host[]>('/hosts');
}

export const groupHostsQueryOptions = queryOptions({ queryKey: ['groups', 'hosts'], queryFn: getHosts });

export function useAllHosts() {
  return useQuery(groupHostsQueryOptions);
}
