import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type * as Api from '@/types/api.gen';

/** needs_owner: true until the first (owner) account exists. */
export type SetupStatus = Api.SetupStatus;

export function getSetupStatus(): Promise<SetupStatus> {
  return apiFetch<SetupStatus>('/setup', { auth: false });
}

export const setupStatusQueryOptions = queryOptions({
  queryKey: ['auth', 'setup'],
  queryFn: getSetupStatus,
  staleTime: Infinity,
});

export function useSetupStatus(enabled = true) {
  return useQuery({ ...setupStatusQueryOptions, enabled });
}
