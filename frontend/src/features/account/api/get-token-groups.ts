import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { HostGroup } from '@/types/api';

interface VisibleGroup extends HostGroup {
  my_role: 'admin' | 'operator' | 'viewer';
}

/** The host groups a new token may be limited to (those the user sees), with the user's role. */
export async function getTokenGroups(): Promise<VisibleGroup[]> {
  const groups = await apiFetch<VisibleGroup[]>('/host-groups');
  return groups
    .map((g) => ({ id: g.id, name: g.name, my_role: g.my_role }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const tokenGroupsQueryOptions = queryOptions({ queryKey: ['account', 'token-groups'], queryFn: getTokenGroups });

export function useTokenGroups() {
  return useQuery(tokenGroupsQueryOptions);
}
