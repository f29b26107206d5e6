import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Schedule, ScheduleInput } from '../types';

/** Operators of the network's host: a recurring scan of the network's CIDR. */
export function createSchedule(networkId: number, input: ScheduleInput): Promise<Schedule> {
  return apiFetch<Schedule>(`/networks/${networkId}/schedules`, { method: 'POST', body: input });
}

export function useCreateSchedule(networkId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: ScheduleInput) => createSchedule(networkId, input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['network', networkId, 'schedules'] }),
  });
}
