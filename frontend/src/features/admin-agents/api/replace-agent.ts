import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type { CreatedEnrollmentToken } from '../types';
import { enrollmentTokensQueryOptions } from './get-enrollment-tokens';

/** A one-use token that enrolls a new agent onto this host; the host's current agent is revoked when it is used. */
export function replaceAgent(hostId: string): Promise<CreatedEnrollmentToken> {
  return apiFetch<CreatedEnrollmentToken>(`/hosts/${encodeURIComponent(hostId)}/replace-agent`, {
    method: 'POST',
    body: {},
  });
}

export function useReplaceAgent() {
  return useCacheMutation(replaceAgent, invalidate(enrollmentTokensQueryOptions.queryKey));
}
