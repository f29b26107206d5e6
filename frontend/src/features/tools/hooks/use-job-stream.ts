import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { subscribeJobs } from '@/lib/live';
import { FINAL_STATUSES, type ToolJob, type ToolJobDetail } from '@/types/jobs';
import { hostJobsQueryOptions } from '../api/get-host-jobs';

export interface JobState {
  job: ToolJob;
  /**
   * The job's result items by position, as the hub stores them: a frame's items are the last
   * ones of its `row_count`, so REST answers and live frames that overlap land in the same slots.
   */
  items: unknown[];
  /** The hub refused a request about this job (a cancel). */
  refusal: string | null;
}

function progressRank(job: ToolJob): number {
  if (FINAL_STATUSES.has(job.status)) return 2;
  return job.status === 'running' ? 1 : 0;
}

/** The newer of two snapshots of one job: a REST answer may be older than the last frame. */
function newer(a: ToolJob, b: ToolJob): ToolJob {
  const ra = progressRank(a);
  const rb = progressRank(b);
  if (ra !== rb) return rb > ra ? b : a;
  if (a.row_count !== b.row_count) return b.row_count > a.row_count ? b : a;
  return b.percent >= a.percent ? b : a;
}

function place(items: unknown[], start: number, rows: unknown[]): unknown[] {
  const next = items.slice();
  rows.forEach((row, i) => {
    next[Math.max(0, start) + i] = row;
  });
  return next;
}

/**
 * Every job of one host seen while the page is open, kept current by the host's `jobs` topic;
 * job details loaded over REST are merged in with `ingest`.
 */
export function useJobStream(hostId: string | null) {
  const queryClient = useQueryClient();
  const [jobs, setJobs] = useState<Record<string, JobState>>({});

  useEffect(() => {
    setJobs({});
    if (hostId === null) return undefined;
    const listKey = hostJobsQueryOptions(hostId).queryKey;
    return subscribeJobs(hostId, (event) => {
      if (event.type === 'job') {
        const { job, rows } = event;
        setJobs((current) => {
          const before = current[job.id];
          const items = rows ? place(before?.items ?? [], job.row_count - rows.length, rows) : (before?.items ?? []);
          return { ...current, [job.id]: { job: before ? newer(before.job, job) : job, items, refusal: before?.refusal ?? null } };
        });
        queryClient.setQueryData(listKey, (list) => {
          if (!list) return list;
          const index = list.findIndex((j) => j.id === job.id);
          if (index === -1) return [job, ...list];
          const next = list.slice();
          next[index] = newer(list[index] ?? job, job);
          return next;
        });
      } else if (event.type === 'error') {
        setJobs((current) => {
          const before = current[event.job];
          return before ? { ...current, [event.job]: { ...before, refusal: event.message } } : current;
        });
      } else {
        // Frames may have been missed while the socket was down (or access is gone): ask again.
        void queryClient.invalidateQueries({ queryKey: ['jobs'] });
      }
    });
  }, [hostId, queryClient]);

  const ingest = useCallback((detail: ToolJobDetail) => {
    const { rows, ...job } = detail;
    setJobs((current) => {
      const before = current[job.id];
      return {
        ...current,
        [job.id]: {
          job: before ? newer(before.job, job) : job,
          items: place(before?.items ?? [], 0, rows),
          refusal: before?.refusal ?? null,
        },
      };
    });
  }, []);

  const clearRefusal = useCallback((jobId: string) => {
    setJobs((current) => {
      const before = current[jobId];
      return before && before.refusal ? { ...current, [jobId]: { ...before, refusal: null } } : current;
    });
  }, []);

  return { jobs, ingest, clearRefusal };
}
