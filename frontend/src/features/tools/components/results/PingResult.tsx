import type { ToolJob } from '@/types/jobs';
import { Empty, isRecord, ms, Notes, num, ResultTable, str, td, tdMono, tdNum, type Row } from './parts';

interface Stats {
  host: string;
  sent: number;
  received: number;
  loss: number;
  min: number | null;
  avg: number | null;
  max: number | null;
  mdev: number | null;
}

/** The agent's summary when finished; until then, the same figures from the replies so far. */
function statsOf(job: ToolJob, rows: Row[]): Stats[] {
  if (isRecord(job.result) && Array.isArray(job.result.hosts)) {
    return job.result.hosts.filter(isRecord).map((h) => ({
      host: str(h.host),
      sent: num(h.sent) ?? 0,
      received: num(h.received) ?? 0,
      loss: num(h.loss_percent) ?? 0,
      min: num(h.min_ms),
      avg: num(h.avg_ms),
      max: num(h.max_ms),
      mdev: num(h.mdev_ms),
    }));
  }
  const byHost = new Map<string, number[][]>();
  for (const row of rows) {
    const entry = byHost.get(str(row.host)) ?? [[], []];
    entry[0]?.push(1);
    const rtt = num(row.rtt_ms);
    if (rtt !== null) entry[1]?.push(rtt);
    byHost.set(str(row.host), entry);
  }
  return [...byHost.entries()].map(([host, [sent = [], rtts = []]]) => {
    const mean = rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : null;
    const mdev = mean === null ? null : Math.sqrt(Math.max(0, rtts.reduce((a, r) => a + r * r, 0) / rtts.length - mean * mean));
    return {
      host,
      sent: sent.length,
      received: rtts.length,
      loss: sent.length ? (100 * (sent.length - rtts.length)) / sent.length : 0,
      min: rtts.length ? Math.min(...rtts) : null,
      avg: mean,
      max: rtts.length ? Math.max(...rtts) : null,
      mdev,
    };
  });
}

export function PingResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const stats = statsOf(job, rows);
  const method = isRecord(job.result) ? str(job.result.method) : '';
  const sorted = [...rows].sort((a, b) => str(a.host).localeCompare(str(b.host)) || Number(a.seq) - Number(b.seq));
  return (
    <div className="space-y-3">
      {stats.map((s) => (
        <div key={s.host} data-testid="ping-stats" data-host={s.host} className="rounded-md border border-border p-3">
          <p className="mb-2 font-mono text-sm font-semibold text-fg">
            {s.host} {method && <span className="font-sans text-xs font-normal text-muted">· {method}</span>}
          </p>
          <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4 lg:grid-cols-7">
            {(
              [
                ['Sent', String(s.sent)],
                ['Received', String(s.received)],
                ['Loss', `${s.loss.toFixed(s.loss % 1 ? 1 : 0)} %`],
                ['Min', ms(s.min)],
                ['Avg', ms(s.avg)],
                ['Max', ms(s.max)],
                ['Mdev', ms(s.mdev)],
              ] as const
            ).map(([label, value]) => (
              <div key={label}>
                <dt className="text-xs text-muted">{label}</dt>
                <dd className={`font-medium tabular-nums ${label === 'Loss' && s.loss > 0 ? 'text-warn' : 'text-fg'}`}>{value}</dd>
              </div>
            ))}
          </dl>
        </div>
      ))}
      <Notes result={job.result} />
      {sorted.length === 0 ? (
        <Empty>No replies yet.</Empty>
      ) : (
        <ResultTable columns={['Host', 'Seq', 'RTT', 'TTL / port', 'Note']} numeric={['Seq', 'RTT', 'TTL / port']} count={sorted.length}>
          {sorted.map((row) => (
            <tr key={`${str(row.host)}#${str(row.seq)}`}>
              <td className={tdMono}>{str(row.host)}</td>
              <td className={tdNum}>{str(row.seq)}</td>
              <td className={`${tdNum} ${row.rtt_ms === null ? 'text-crit' : ''}`}>{row.rtt_ms === null ? 'timeout' : ms(row.rtt_ms)}</td>
              <td className={tdNum}>{row.ttl !== undefined ? `ttl ${str(row.ttl)}` : row.port !== undefined ? `tcp/${str(row.port)}` : ''}</td>
              <td className={td}>{str(row.error)}</td>
            </tr>
          ))}
        </ResultTable>
      )}
    </div>
  );
}
