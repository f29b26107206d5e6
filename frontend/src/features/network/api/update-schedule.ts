import { apiFetch } from '@/lib/api';
import { invalidate, useCacheMutation } from '@/lib/mutations';
import type { Schedule, ScheduleInput } from '../types';

export function updateSchedule(scheduleId: number, changes: Partial<ScheduleInput>): Promise<Schedule> {
  return apiFetch<Schedule>(`/schedules/${scheduleId}`, { method: 'PATCH', body: changes });
}

export function useUpdateSchedule(networkId: number) {
  return useCacheMutation(
    ({ id, changes }: { id: number; changes: Partial<ScheduleInput> }) => updateSchedule(id, changes),
    invalidate(['network', networkId, 'schedules']),
  );
}
