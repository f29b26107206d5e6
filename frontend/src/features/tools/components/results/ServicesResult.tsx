import type { ToolJob } from '@/types/jobs';
import { Badge, Empty, Facts, isRecord, ResultTable, str, td, tdMono, tdNum, type Row } from './parts';

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
  const result = isRecord(job.result) ? job.result : null;
  const counts = result && isRecord(result.services) ? Object.entries(result.services) : [];
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
      {result && <Facts items={[['Open ports identified', str(result.open)]]} />}
      {sorted.length === 0 ? (
        <Empty>{job.status === 'finished' ? 'No open ports found.' : 'Nothing identified yet.'}</Empty>
      ) : (
        <ResultTable columns={['Host', 'Port', 'Service', 'Details']} numeric={['Port']} count={sorted.length}>
          {sorted.map((row) => (
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
          ))}
        </ResultTable>
      )}
    </div>
  );
}
