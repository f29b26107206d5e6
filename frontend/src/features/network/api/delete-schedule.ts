import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';

export function deleteSchedule(scheduleId: number): Promise<void> {
  return apiFetch<void>(`/schedules/${scheduleId}`, { method: 'DELETE' });
}

export function useDeleteSchedule(networkId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (scheduleId: number) => deleteSchedule(scheduleId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['network', networkId, 'schedules'] }),
  });
}
