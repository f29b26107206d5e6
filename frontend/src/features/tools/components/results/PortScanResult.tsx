import type { ToolJob } from '@/types/jobs';
import { elapsed, fieldFacts, Notes, NoRows, ResultFacts, ResultRows, str, td, tdMono, tdNum, type Row } from './parts';

export function PortScanResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const sorted = [...rows].sort((a, b) => str(a.host).localeCompare(str(b.host)) || Number(a.port) - Number(b.port));
  return (
    <div className="space-y-3">
      <ResultFacts
        job={job}
        items={(result) => [
          ...fieldFacts(result, [['Open', 'open'], ['Closed', 'closed'], ['Filtered', 'filtered'], ['Ports per host', 'ports_scanned'], ['Method', 'method']]),
          elapsed(result),
        ]}
      />
      <Notes result={job.result} />
      <ResultRows
        rows={sorted}
        none={<NoRows job={job} finished="No open ports found." running="No open ports found yet." />}
        columns={['Host', 'Port', 'State', 'Service']}
        numeric={['Port']}
      >
        {(row) => (
          <tr key={`${str(row.host)}:${str(row.port)}`}>
            <td className={tdMono}>{str(row.host)}</td>
            <td className={tdNum}>
              {str(row.port)}/{str(row.proto) || 'tcp'}
            </td>
            <td className={`${td} ${row.state === 'open' ? 'text-ok' : 'text-muted'}`}>{str(row.state)}</td>
            <td className={td}>{str(row.service) || '–'}</td>
          </tr>
        )}
      </ResultRows>
    </div>
  );
}
