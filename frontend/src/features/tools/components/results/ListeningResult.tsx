import type { ToolJob } from '@/types/jobs';
import { NoRows, Notes, ResultRows, str, td, tdMono, tdNum, type Row } from './parts';

export function ListeningResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  return (
    <div className="space-y-3">
      <Notes result={job.result} />
      <ResultRows
        rows={rows}
        none={<NoRows job={job} finished="No listening sockets." running="Nothing yet." />}
        columns={['Proto', 'Address', 'Port', 'PID', 'Process', 'User']}
        numeric={['Port', 'PID']}
      >
        {(row, i) => (
          <tr key={`${str(row.proto)}-${str(row.address)}-${str(row.port)}-${i}`}>
            <td className={td}>{str(row.proto)}</td>
            <td className={tdMono}>{str(row.address)}</td>
            <td className={tdNum}>{str(row.port)}</td>
            <td className={tdNum}>{str(row.pid) || '–'}</td>
            <td className={td}>{str(row.process) || '–'}</td>
            <td className={td}>{str(row.user) || '–'}</td>
          </tr>
        )}
      </ResultRows>
    </div>
  );
}
