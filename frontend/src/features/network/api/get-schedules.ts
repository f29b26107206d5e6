import { useQuery } from '@tanstack/react-query';
import { getQueryOptions } from '@/lib/api-query';
import type { Schedule } from '../types';

export function schedulesQueryOptions(networkId: number) {
  return getQueryOptions<Schedule[]>(['network', networkId, 'schedules'], `/networks/${networkId}/schedules`);
}

export function useSchedules(networkId: number) {
  return useQuery(schedulesQueryOptions(networkId));
}
