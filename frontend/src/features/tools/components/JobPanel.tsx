import { Alert } from '@/components/ui/Alert';
import { dangerButton, smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import { FINAL_STATUSES, type ToolJob } from '@/types/jobs';
import { TOOL_SPECS, isToolName } from '../tool-specs';
import { JobStatusBadge } from './JobStatusBadge';
import { ParamList } from './ParamList';
import { flattenRows } from './results/parts';
import { ToolResult } from './results/ToolResult';

interface JobPanelProps {
  job: ToolJob;
  items: unknown[];
  hostname: string;
  refusal: string | null;
  canCancel: boolean;
  onCancel: () => void;
  cancelPending: boolean;
  cancelError: unknown;
  /** Fills the form with this run's tool and parameters. */
  onReuse: (() => void) | null;
}

/** "6 probes", "1 host found": the tool's own word for its result rows. */
function rowCount(job: ToolJob): string {
  const [one, many] = isToolName(job.tool) ? TOOL_SPECS[job.tool].rows : ['result', 'results'];
  return `${job.row_count} ${job.row_count === 1 ? one : many}`;
}

function Progress({ job }: { job: ToolJob }) {
  const final = FINAL_STATUSES.has(job.status);
  const percent = Math.max(0, Math.min(100, job.percent));
  const message = job.status === 'queued' && !job.message ? 'queued: waiting for the agent' : job.message;
  const fill =
    job.status === 'finished' ? 'bg-ok' : job.status === 'failed' ? 'bg-crit' : final ? 'bg-warn' : 'bg-accent';
  return (
    <div data-testid="tool-progress" data-status={job.status} data-percent={percent} className="space-y-1.5">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <JobStatusBadge status={job.status} testId="tool-status" />
        <span className="tabular-nums text-muted">{percent.toFixed(percent % 1 ? 1 : 0)} %</span>
        {job.status === 'running' && (
          <span data-testid="tool-found" className="tabular-nums text-muted">
            · {rowCount(job)} so far
          </span>
        )}
        {!final && message && (
          <span data-testid="tool-message" className="min-w-0 break-words text-fg">
            {message}
          </span>
        )}
      </div>
      <div
        role="progressbar"
        aria-label="Job progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
        aria-valuetext={`${job.status} ${Math.round(percent)} %`}
        className="h-2 w-full overflow-hidden rounded-full bg-track"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-300 motion-reduce:transition-none ${fill} ${
            job.status === 'queued' ? 'opacity-40' : ''
          }`}
          style={{ width: `${job.status === 'queued' ? 100 : percent}%` }}
        />
      </div>
    </div>
  );
}

export function JobPanel({ job, items, hostname, refusal, canCancel, onCancel, cancelPending, cancelError, onReuse }: JobPanelProps) {
  const final = FINAL_STATUSES.has(job.status);
  const rows = flattenRows(items);
  const stored = items.filter((i) => i !== undefined).length;
  const dropped = final ? Math.max(0, job.row_count - stored) : 0;
  const label = isToolName(job.tool) ? TOOL_SPECS[job.tool].label : job.tool;
  const created = parseIso(job.created_at);
  const finished = parseIso(job.finished_at);
  return (
    <section data-testid="tool-job" data-job-id={job.id} className="space-y-4 rounded-lg border border-border bg-surface p-4">
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 className="text-base font-semibold text-fg">
            {label} <span className="font-normal text-muted">on {hostname}</span>
          </h2>
          <p className="text-xs text-muted">
            {job.requested_by ? `by ${job.requested_by} · ` : ''}
            {formatDateTime(created)}
            {finished !== null && created !== null && ` · took ${((finished - created) / 1000).toFixed(1)} s`}
          </p>
          <ParamList params={job.params} className="mt-1 text-xs text-muted" />
        </div>
        <div className="flex items-center gap-2">
        {onReuse && (
          <button type="button" className={smallButton} onClick={onReuse}>
            Use these parameters
          </button>
        )}
        {!final && (
          <button
            type="button"
            data-testid="tool-cancel"
            className={dangerButton}
            disabled={!canCancel || cancelPending}
            title={canCancel ? undefined : 'Operators can cancel tools'}
            onClick={onCancel}
          >
            {cancelPending ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        </div>
      </header>

      <Progress job={job} />

      {(job.status === 'finished' || job.status === 'cancelled') && job.message && (
        <p data-testid="tool-message" className={`text-sm ${job.status === 'cancelled' ? 'text-warn' : 'text-fg'}`}>
          {job.message}
        </p>
      )}
      {(job.status === 'failed' || job.status === 'interrupted') && (
        <Alert testId="tool-error">
          <span className="font-semibold">{job.status === 'failed' ? 'Failed' : 'Interrupted'}:</span>{' '}
          <span className="whitespace-pre-wrap break-words">{job.message || 'no reason given'}</span>
        </Alert>
      )}
      {refusal && <Alert testId="tool-cancel-error">Could not cancel: {refusal}</Alert>}
      {cancelError !== null && cancelError !== undefined && (
        <Alert testId="tool-cancel-error">Could not cancel: {describeError(cancelError)}</Alert>
      )}

      {(job.status !== 'failed' || rows.length > 0) && <ToolResult job={job} rows={rows} dropped={dropped} />}
    </section>
  );
}
