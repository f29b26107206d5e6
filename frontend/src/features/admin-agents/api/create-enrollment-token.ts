import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type { CreatedEnrollmentToken } from '../types';
import { enrollmentTokensQueryOptions } from './get-enrollment-tokens';

export interface CreateEnrollmentTokenInput {
  description: string;
  expires_minutes: number;
  uses: number;
  group_name?: string;
}

export function createEnrollmentToken(input: CreateEnrollmentTokenInput): Promise<CreatedEnrollmentToken> {
  return apiFetch<CreatedEnrollmentToken>('/enrollment-tokens', { method: 'POST', body: input });
}

export function useCreateEnrollmentToken() {
  return useCacheMutation(createEnrollmentToken, invalidate(enrollmentTokensQueryOptions.queryKey));
}
