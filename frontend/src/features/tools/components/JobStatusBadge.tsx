import type { JobStatus } from '@/types/jobs';

const STYLE: Record<JobStatus, { dot: string; text: string }> = {
  queued: { dot: 'bg-muted', text: 'text-muted' },
  running: { dot: 'bg-accent', text: 'text-accent' },
  finished: { dot: 'bg-ok', text: 'text-ok' },
  failed: { dot: 'bg-crit', text: 'text-crit' },
  cancelled: { dot: 'bg-warn', text: 'text-warn' },
  interrupted: { dot: 'bg-warn', text: 'text-warn' },
};

export function JobStatusBadge({ status, testId }: { status: JobStatus; testId?: string }) {
  const style = STYLE[status] ?? STYLE.failed;
  return (
    <span
      data-testid={testId}
      data-status={status}
      className={`inline-flex shrink-0 items-center gap-1.5 rounded-full border border-border px-2 py-0.5 text-xs font-medium ${style.text}`}
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${style.dot} ${status === 'running' ? 'motion-safe:animate-pulse' : ''}`} />
      {status}
    </span>
  );
}
