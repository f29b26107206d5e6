import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { Schedule, ScheduleInput } from '../types';

export function updateSchedule(scheduleId: number, changes: Partial<ScheduleInput>): Promise<Schedule> {
  return apiFetch<Schedule>(`/schedules/${scheduleId}`, { method: 'PATCH', body: changes });
}

export function useUpdateSchedule(networkId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, changes }: { id: number; changes: Partial<ScheduleInput> }) => updateSchedule(id, changes),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['network', networkId, 'schedules'] }),
  });
}
