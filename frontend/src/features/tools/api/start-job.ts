import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import { LiveError, runTool } from '@/lib/live';
import type { ToolJob } from '@/types/jobs';

export interface StartJobInput {
  hostId: string;
  tool: string;
  params: Record<string, unknown>;
}

export function postJob({ hostId, tool, params }: StartJobInput): Promise<ToolJob> {
  return apiFetch<ToolJob>(`/hosts/${encodeURIComponent(hostId)}/jobs`, { method: 'POST', body: { tool, params } });
}

/** Over the WebSocket when it is up; over REST only when it was down, so a run is never sent twice. */
export async function startJob(input: StartJobInput): Promise<ToolJob> {
  try {
    return await runTool(input.hostId, input.tool, input.params);
  } catch (error) {
    if (error instanceof LiveError && error.code === 'not_connected') return postJob(input);
    throw error;
  }
}

export function useStartJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: startJob,
    onSettled: (_job, _error, input) => queryClient.invalidateQueries({ queryKey: ['jobs', 'host', input.hostId] }),
  });
}
