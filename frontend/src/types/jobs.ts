// Wire types of tool jobs, as the hub's schema declares them (api.gen.ts, `make gen`).
import type * as Api from './api.gen';

export type { ToolName } from '@/types/tools.gen';

export type JobStatus = Api.StatusEnum;
export type ToolJob = Api.Job;
/** `GET /jobs/<id>`: the job with every result item the hub stored. */
export type ToolJobDetail = Api.JobDetail;

export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['finished', 'failed', 'cancelled', 'interrupted']);
