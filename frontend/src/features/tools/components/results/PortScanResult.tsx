import type { ToolJob } from '@/types/jobs';
import { Empty, Facts, isRecord, Notes, ResultTable, str, td, tdMono, tdNum, type Row } from './parts';

export function PortScanResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const result = isRecord(job.result) ? job.result : null;
  const sorted = [...rows].sort((a, b) => str(a.host).localeCompare(str(b.host)) || Number(a.port) - Number(b.port));
  return (
    <div className="space-y-3">
      {result && (
        <Facts
          items={[
            ['Open', str(result.open)],
            ['Closed', str(result.closed)],
            ['Filtered', str(result.filtered)],
            ['Ports per host', str(result.ports_scanned)],
            ['Method', str(result.method)],
            ['Elapsed', result.elapsed !== undefined ? `${str(result.elapsed)} s` : ''],
          ]}
        />
      )}
      <Notes result={job.result} />
      {sorted.length === 0 ? (
        <Empty>{job.status === 'finished' ? 'No open ports found.' : 'No open ports found yet.'}</Empty>
      ) : (
        <ResultTable columns={['Host', 'Port', 'State', 'Service']} numeric={['Port']} count={sorted.length}>
          {sorted.map((row) => (
            <tr key={`${str(row.host)}:${str(row.port)}`}>
              <td className={tdMono}>{str(row.host)}</td>
              <td className={tdNum}>
                {str(row.port)}/{str(row.proto) || 'tcp'}
              </td>
              <td className={`${td} ${row.state === 'open' ? 'text-ok' : 'text-muted'}`}>{str(row.state)}</td>
              <td className={td}>{str(row.service) || '–'}</td>
            </tr>
          ))}
        </ResultTable>
      )}
    </div>
  );
}
