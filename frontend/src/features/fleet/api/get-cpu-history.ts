import { apiFetch } from '@/lib/api';
import type { HostHistory } from '@/types/api';
import { fleetStore } from '../store/fleet-store';
import { SPARK_BUCKET_MS, SPARK_WINDOW_MS } from '../store/spark';

/** At most this many backfills in flight: a table scrolled through 2,000 hosts must not fire
 * 2,000 requests at once. */
const CONCURRENCY = 4;

const queue: string[] = [];
let running = 0;

async function backfill(hostId: string): Promise<void> {
  const end = Date.now();
  const history = await apiFetch<HostHistory>(`/hosts/${encodeURIComponent(hostId)}/history`, {
    query: { start: end - SPARK_WINDOW_MS, end, points: SPARK_WINDOW_MS / SPARK_BUCKET_MS, series: 'cpu' },
  });
  const cpu = history.series.cpu;
  if (cpu) fleetStore.backfillSpark(hostId, history.ts, cpu.avg);
}

function next(): void {
  while (running < CONCURRENCY && queue.length > 0) {
    const hostId = queue.shift();
    if (hostId === undefined) return;
    running += 1;
    backfill(hostId)
      // A sparkline without its past is still a sparkline: the live points keep coming.
      .catch(() => undefined)
      .finally(() => {
        running -= 1;
        next();
      });
  }
}

/** Asks once per host for its last five minutes of CPU, as the host page backfills its charts. */
export function requestCpuBackfill(hostId: string): void {
  if (!fleetStore.markSparkBackfilled(hostId)) return;
  queue.push(hostId);
  next();
}
