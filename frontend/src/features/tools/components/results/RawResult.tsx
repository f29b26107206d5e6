import type { ToolJob } from '@/types/jobs';
import { Empty, type Row } from './parts';

/** For a tool this page does not know: the rows and summary as JSON text. */
export function RawResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  if (rows.length === 0 && job.result === null) return <Empty>No output yet.</Empty>;
  return (
    <pre data-testid="tool-raw" className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-all rounded-md bg-surface-2 p-3 font-mono text-xs text-fg">
      {JSON.stringify({ rows, result: job.result }, null, 2)}
    </pre>
  );
}
