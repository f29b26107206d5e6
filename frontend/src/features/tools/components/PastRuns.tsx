import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { tdClass } from '@/components/ui/styles';
import { TableHead } from '@/components/ui/TableHead';
import { RelativeTime } from '@/components/ui/RelativeTime';
import { parseIso } from '@/lib/format';
import type { ToolJob } from '@/types/jobs';
import { useHostJobs } from '../api/get-host-jobs';
import { TOOL_SPECS, isToolName } from '../tool-specs';
import { JobStatusBadge } from './JobStatusBadge';
import { formatParams } from './params';

function paramsSummary(job: ToolJob): string {
  const p = job.params;
  const target = p.target ?? p.host ?? p.name ?? p.interface;
  const text = Array.isArray(target) ? target.join(', ') : typeof target === 'string' ? target : '';
  return text || Object.keys(p).length === 0 ? text : formatParams(p);
}

interface PastRunsProps {
  hostId: string;
  selectedId: string | null;
  onOpen: (jobId: string) => void;
}

export function PastRuns({ hostId, selectedId, onOpen }: PastRunsProps) {
  const jobs = useHostJobs(hostId);
  if (jobs.isPending) return <Spinner label="Loading past runs…" />;
  if (jobs.isError) return <Alert>Could not load past runs: {jobs.error.message}</Alert>;
  if (jobs.data.length === 0) return <p className="text-sm text-muted">No tools have run on this host yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table data-testid="job-list" className="w-full min-w-[640px] border-collapse text-left text-sm">
        <TableHead columns={['Started', 'Tool', 'Target', 'Status', 'Result', 'By']} />
        <tbody>
          {jobs.data.map((job) => {
            const created = parseIso(job.created_at);
            const selected = job.id === selectedId;
            return (
              <tr
                key={job.id}
                data-testid="job-row"
                data-job-id={job.id}
                data-status={job.status}
                aria-selected={selected}
                tabIndex={0}
                onClick={() => onOpen(job.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(job.id);
                  }
                }}
                className={`cursor-pointer hover:bg-surface-2 focus:outline-2 focus:outline-accent ${selected ? 'bg-surface-2' : ''}`}
              >
                <td className={`${tdClass} whitespace-nowrap`}>
                  <RelativeTime ts={created} testId="job-started" />
                </td>
                <td className={tdClass}>{isToolName(job.tool) ? TOOL_SPECS[job.tool].label : job.tool}</td>
                <td className={`${tdClass} max-w-[16rem] truncate font-mono text-xs`} title={paramsSummary(job)}>
                  {paramsSummary(job)}
                </td>
                <td className={tdClass}>
                  <JobStatusBadge status={job.status} />
                </td>
                <td className={`${tdClass} max-w-[28rem] truncate text-xs text-muted`} title={job.message}>
                  {job.message}
                </td>
                <td className={`${tdClass} text-xs text-muted`}>{job.requested_by ?? '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
