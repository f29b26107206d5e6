import type { ToolJob } from '@/types/jobs';
import { Empty, Facts, isRecord, ms, ResultTable, str, stringList, td, tdMono, tdNum, type Row } from './parts';

export function TracerouteResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const result = isRecord(job.result) ? job.result : null;
  const hops = [...rows].sort((a, b) => Number(a.hop) - Number(b.hop));
  return (
    <div className="space-y-3">
      {result && (
        <Facts
          items={[
            ['Target', str(result.target)],
            ['Reached', result.reached === true ? 'yes' : 'no'],
            ['Hops', str(result.hops)],
          ]}
        />
      )}
      {hops.length === 0 ? (
        <Empty>No hops yet.</Empty>
      ) : (
        <ResultTable columns={['Hop', 'Address', 'Host name', 'RTT']} numeric={['Hop']} count={hops.length}>
          {hops.map((hop) => {
            const addresses = stringList(hop.addresses);
            const rtts = Array.isArray(hop.rtt_ms) ? hop.rtt_ms : [];
            return (
              <tr key={str(hop.hop)}>
                <td className={tdNum}>{str(hop.hop)}</td>
                <td className={tdMono}>{addresses.length ? addresses.join(', ') : <span className="text-muted">*</span>}</td>
                <td className={td}>{str(hop.hostname) || '–'}</td>
                <td className={`${td} tabular-nums`}>{rtts.length ? rtts.map((r) => ms(r)).join('  ') : <span className="text-muted">* * *</span>}</td>
              </tr>
            );
          })}
        </ResultTable>
      )}
    </div>
  );
}
