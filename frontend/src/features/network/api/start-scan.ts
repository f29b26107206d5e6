import { apiFetch } from '@/lib/api';
import { invalidate, useCacheMutation } from '@/lib/mutations';
import type { ToolJob } from '@/types/jobs';

/** Operators: run a discovery or port scan of `target` now; the inventory updates when it finishes. */
export function startScan(hostId: string, tool: 'discover' | 'port_scan', params: Record<string, unknown>): Promise<ToolJob> {
  return apiFetch<ToolJob>(`/hosts/${encodeURIComponent(hostId)}/jobs`, { method: 'POST', body: { tool, params } });
}

export function useStartScan(hostId: string) {
  return useCacheMutation(
    ({ tool, params }: { tool: 'discover' | 'port_scan'; params: Record<string, unknown> }) => startScan(hostId, tool, params),
    invalidate(['network']),
  );
}
