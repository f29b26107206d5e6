import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { cancelTool } from '@/lib/live';
import type { ToolJob } from '@/types/jobs';

export function postCancelJob(jobId: string): Promise<ToolJob> {
  return apiFetch<ToolJob>(`/jobs/${encodeURIComponent(jobId)}/cancel`, { method: 'POST' });
}

/**
 * Over the WebSocket when it is up (a refusal arrives as a job `error` event), else over REST.
 * The job's end (cancelled, or finished first) arrives as a live frame either way.
 */
export async function cancelJob(jobId: string): Promise<void> {
  if (cancelTool(jobId)) return;
  await postCancelJob(jobId);
}

export function useCancelJob() {
  return useMutation({ mutationFn: cancelJob });
}
