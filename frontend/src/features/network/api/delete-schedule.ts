import { apiFetch } from '@/lib/api';
import { invalidate, useCacheMutation } from '@/lib/mutations';

export function deleteSchedule(scheduleId: number): Promise<void> {
  return apiFetch<void>(`/schedules/${scheduleId}`, { method: 'DELETE' });
}

export function useDeleteSchedule(networkId: number) {
  return useCacheMutation(deleteSchedule, invalidate(['network', networkId, 'schedules']));
}
