import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';

interface StartedJob {
  id: string;
  status: string;
}

/** Operators: run a discovery or port scan of `target` now; the inventory updates when it finishes. */
export function startScan(hostId: string, tool: 'discover' | 'port_scan', params: Record<string, unknown>): Promise<StartedJob> {
  return apiFetch<StartedJob>(`/hosts/${encodeURIComponent(hostId)}/jobs`, { method: 'POST', body: { tool, params } });
}

export function useStartScan(hostId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ tool, params }: { tool: 'discover' | 'port_scan'; params: Record<string, unknown> }) =>
      startScan(hostId, tool, params),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['network'] }),
  });
}
