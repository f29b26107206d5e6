import type { ToolJob } from '@/types/jobs';
import { Empty, ms, ResultFacts, ResultRows, str, stringList, td, tdMono, tdNum, type Row } from './parts';

export function TracerouteResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const hops = [...rows].sort((a, b) => Number(a.hop) - Number(b.hop));
  return (
    <div className="space-y-3">
      <ResultFacts
        job={job}
        items={(result) => [
          ['Target', str(result.target)],
          ['Reached', result.reached === true ? 'yes' : 'no'],
          ['Hops', str(result.hops)],
        ]}
      />
      <ResultRows
        rows={hops}
        none={<Empty>No hops yet.</Empty>}
        columns={['Hop', 'Address', 'Host name', 'RTT']}
        numeric={['Hop']}
      >
        {(hop) => {
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
        }}
      </ResultRows>
    </div>
  );
}
