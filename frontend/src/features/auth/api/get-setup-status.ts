import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';

export interface SetupStatus {
  /** True until the first (owner) account exists. */
  needs_owner: boolean;
}

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
