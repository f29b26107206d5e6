import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { HostGroup } from '@/types/api';
import type * as Api from '@/types/api.gen';

// The host groups the user may see, by name (owners and admins: all, with who has access): one
// query for the Groups page and every group picker (fleet, alerts, users), changed through
// `hostGroupsKey`.

export type GroupGrant = Api.GroupGrant;
/** A host group as `GET /host-groups` answers it: only the hosts the asking user may see; `access`
 * for owners and admins only. */
export type HostGroupDetail = Api.HostGroupDetail;

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
