// Wire types of tool jobs (hub/everyst_hub/tools/services.py `job_dict`).

export type { ToolName } from '@/types/tools.gen';

export type JobStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

export interface ToolJob {
  id: string;
  host: string;
  tool: string;
  params: Record<string, unknown>;
  status: JobStatus;
  /** 0-100 */
  percent: number;
  message: string;
  /** Result items the hub received, including any it had to drop. */
  row_count: number;
  /** The tool's FINISHED summary; null until then (and for failed jobs). */
  result: unknown;
  has_artifact: boolean;
  requested_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** `GET /jobs/<id>`: the job with every result item the hub stored. */
export interface ToolJobDetail extends ToolJob {
  rows: unknown[];
}

export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['finished', 'failed', 'cancelled', 'interrupted']);
