import type { ToolJob } from '@/types/jobs';
import { Empty, isRecord, ResultTable, str, td, tdMono, tdNum, type Row } from './parts';

export function DnsResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const result = isRecord(job.result) ? job.result : null;
  const perType = result && isRecord(result.results) ? result.results : {};
  const asked = Array.isArray(job.params.types) ? job.params.types.map((t) => str(t).toUpperCase()) : [];
  const order = [...new Set([...asked, ...Object.keys(perType), ...rows.map((r) => str(r.query_type))])].filter(Boolean);
  const groups = order.map((type) => ({ type, rows: rows.filter((r) => str(r.query_type) === type), status: perType[type] }));
  return (
    <div className="space-y-3">
      {result && (
        <p className="text-sm text-muted">
          Server <span className="font-mono text-fg">{str(result.server)}</span>
        </p>
      )}
      {rows.length === 0 && groups.every((g) => !isRecord(g.status)) ? (
        <Empty>No answers yet.</Empty>
      ) : (
        <ResultTable columns={['Query', 'Name', 'Type', 'TTL', 'Value']} numeric={['TTL']} count={rows.length}>
          {groups.flatMap((group) => {
            const status = isRecord(group.status) ? group.status : null;
            const label = (
              <>
                <span className="font-semibold">{group.type}</span>
                {status && (
                  <span className={`block text-xs ${status.rcode === 'NOERROR' ? 'text-muted' : 'text-crit'}`}>
                    {str(status.rcode)} · {str(status.ms)} ms{status.authoritative === true ? ' · authoritative' : ''}
                  </span>
                )}
              </>
            );
            if (group.rows.length === 0) {
              return status
                ? [
                    <tr key={`${group.type}-none`} data-query-type={group.type}>
                      <td className={td}>{label}</td>
                      <td className={`${td} text-muted`} colSpan={4}>
                        no records
                      </td>
                    </tr>,
                  ]
                : [];
            }
            return group.rows.map((row, i) => (
              <tr key={`${group.type}-${i}`} data-query-type={group.type}>
                {i === 0 && (
                  <td className={td} rowSpan={group.rows.length}>
                    {label}
                  </td>
                )}
                <td className={tdMono}>{str(row.name)}</td>
                <td className={td}>{str(row.type)}</td>
                <td className={tdNum}>{str(row.ttl)}</td>
                <td className={tdMono}>
                  {row.preference !== undefined && <span className="text-muted">{str(row.preference)} </span>}
                  {str(row.value)}
                </td>
              </tr>
            ));
          })}
        </ResultTable>
      )}
    </div>
  );
}
