import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { GroupRole, HostGroup } from '@/types/api';

// The host groups the user may see, by name (owners and admins: all, with who has access): one
// query for the Groups page and every group picker (fleet, alerts, users), changed through
// `hostGroupsKey`.

export interface GroupGrant {
  user_id: number;
  username: string;
  role: GroupRole;
}

/** A host group as `GET /host-groups` answers it. */
export interface HostGroupDetail {
  id: number;
  name: string;
  description: string;
  host_count: number;
  /** Only the hosts the asking user may see. */
  host_ids: string[];
  my_role: 'admin' | GroupRole;
  /** Present for owners and admins only. */
  access?: GroupGrant[];
}

export const hostGroupsKey = ['host-groups'] as const;

export function getHostGroups(): Promise<HostGroupDetail[]> {
  return apiFetch<HostGroupDetail[]>('/host-groups');
}

export const hostGroupsQueryOptions = queryOptions({ queryKey: hostGroupsKey, queryFn: getHostGroups });

/** Every group with what the Groups page shows. */
export function useHostGroupDetails() {
  return useQuery(hostGroupsQueryOptions);
}

function names(groups: HostGroupDetail[]): HostGroup[] {
  return groups.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** The groups as `{id, name}` by name, for pickers and filters. */
export function useHostGroups() {
  return useQuery({ ...hostGroupsQueryOptions, select: names });
}
