import { apiFetch } from '@/lib/api';
import { invalidate, useCacheMutation } from '@/lib/mutations';
import type { Schedule, ScheduleInput } from '../types';

/** Operators of the network's host: a recurring scan of the network's CIDR. */
export function createSchedule(networkId: number, input: ScheduleInput): Promise<Schedule> {
  return apiFetch<Schedule>(`/networks/${networkId}/schedules`, { method: 'POST', body: input });
}

export function useCreateSchedule(networkId: number) {
  return useCacheMutation((input: ScheduleInput) => createSchedule(networkId, input), invalidate(['network', networkId, 'schedules']));
}
