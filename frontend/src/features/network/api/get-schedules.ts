import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Schedule } from '../types';

export function getSchedules(networkId: number, signal?: AbortSignal): Promise<Schedule[]> {
  return apiFetch<Schedule[]>(`/networks/${networkId}/schedules`, { signal });
}

export function schedulesQueryOptions(networkId: number) {
  return queryOptions({
    queryKey: ['network', networkId, 'schedules'],
    queryFn: ({ signal }) => getSchedules(networkId, signal),
  });
}

export function useSchedules(networkId: number) {
  return useQuery(schedulesQueryOptions(networkId));
}
