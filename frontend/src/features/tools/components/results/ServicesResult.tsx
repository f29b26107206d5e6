import type { ToolJob } from '@/types/jobs';
import { Badge, isRecord, NoRows, ResultFacts, ResultRows, str, td, tdMono, tdNum, type Row } from './parts';

function details(row: Row): string[] {
  const out: string[] = [];
  if (row.banner) out.push(str(row.banner));
  if (isRecord(row.http)) {
    const http = row.http;
    out.push([str(http.status), http.server ? `server ${str(http.server)}` : '', http.title ? `“${str(http.title)}”` : ''].filter(Boolean).join(' · '));
  }
  if (isRecord(row.tls)) out.push(`${str(row.tls.protocol)} ${str(row.tls.cipher)}`.trim());
  if (typeof row.ssl === 'boolean') out.push(row.ssl ? 'accepts SSL' : 'no SSL');
  if (row.error) out.push(str(row.error));
  return out.filter(Boolean);
}

export function ServicesResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const counts = isRecord(job.result) && isRecord(job.result.services) ? Object.entries(job.result.services) : [];
  const sorted = [...rows].sort((a, b) => str(a.host).localeCompare(str(b.host)) || Number(a.port) - Number(b.port));
  return (
    <div className="space-y-3">
      {counts.length > 0 && (
        <div className="flex flex-wrap gap-1.5">
          {counts.map(([service, count]) => (
            <Badge key={service}>
              {service} × {str(count)}
            </Badge>
          ))}
        </div>
      )}
      <ResultFacts job={job} items={(result) => [['Open ports identified', str(result.open)]]} />
      <ResultRows
        rows={sorted}
        none={<NoRows job={job} finished="No open ports found." running="Nothing identified yet." />}
        columns={['Host', 'Port', 'Service', 'Details']}
        numeric={['Port']}
      >
        {(row) => (
          <tr key={`${str(row.host)}:${str(row.port)}`}>
            <td className={tdMono}>{str(row.host)}</td>
            <td className={tdNum}>{str(row.port)}</td>
            <td className={`${td} font-medium`}>{str(row.service)}</td>
            <td className={`${td} break-all text-xs`}>
              {details(row).map((line) => (
                <div key={line}>{line}</div>
              ))}
            </td>
          </tr>
        )}
      </ResultRows>
    </div>
  );
}
