import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
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
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createEnrollmentToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: enrollmentTokensQueryOptions.queryKey }),
  });
}
