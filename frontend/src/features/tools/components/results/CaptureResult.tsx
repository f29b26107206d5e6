import { Alert } from '@/components/ui/Alert';
import { smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatBytes } from '@/lib/format';
import type { ToolJob } from '@/types/jobs';
import { useDownloadArtifact } from '../../api/download-artifact';
import { elapsed, NoRows, Facts, isRecord, num, ResultTable, str, td, tdMono, tdNum, type Row } from './parts';

const STOPPED: Record<string, string> = {
  count: 'packet count reached',
  time: 'time limit reached',
  size: 'pcap size limit reached',
};

function clock(value: unknown): string {
  const seconds = num(value);
  if (seconds === null) return '';
  const d = new Date(seconds * 1000);
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function CaptureResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const result = isRecord(job.result) ? job.result : null;
  const download = useDownloadArtifact();
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        {result ? (
          <Facts
            items={[
              ['Packets', str(result.packets)],
              ['Interface', str(result.interface)],
              ['Filter', str(result.filter) || 'none'],
              ['Stopped', STOPPED[str(result.stopped)] ?? str(result.stopped)],
              ['pcap size', num(result.pcap_bytes) !== null ? formatBytes(num(result.pcap_bytes)) : ''],
              elapsed(result),
            ]}
          />
        ) : (
          <span />
        )}
        {job.has_artifact && (
          <button
            type="button"
            data-testid="tool-download"
            className={smallButton}
            disabled={download.isPending}
            onClick={() => download.mutate({ jobId: job.id, name: `everyst-capture-${job.id}.pcap` })}
          >
            {download.isPending ? 'Downloading…' : 'Download pcap'}
          </button>
        )}
      </div>
      {download.isError && <Alert>{describeError(download.error, 'The download failed.')}</Alert>}
      {rows.length === 0 ? (
        <NoRows job={job} finished="No packets matched." running="No packets yet." />
      ) : (
        <ResultTable columns={['#', 'Time', 'Source', 'Destination', 'Proto', 'Length', 'Info']} numeric={['#', 'Time', 'Length']} count={rows.length}>
          {rows.map((row, i) => (
            <tr key={i}>
              <td className={tdNum}>{i + 1}</td>
              <td className={`${tdNum} font-mono text-xs`}>{clock(row.time)}</td>
              <td className={tdMono}>{str(row.src)}</td>
              <td className={tdMono}>{str(row.dst)}</td>
              <td className={td}>{str(row.proto)}</td>
              <td className={tdNum}>{str(row.length)}</td>
              <td className={`${td} break-all font-mono text-xs`}>{str(row.info)}</td>
            </tr>
          ))}
        </ResultTable>
      )}
    </div>
  );
}
