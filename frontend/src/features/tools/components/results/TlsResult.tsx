import type { ReactNode } from 'react';
import { formatDateTime, parseIso } from '@/lib/format';
import type { ToolJob } from '@/types/jobs';
import { Badge, Empty, isRecord, num, ResultTable, str, stringList, td, th, type Row } from './parts';

function daysTone(days: number): string {
  if (days < 7) return 'text-crit';
  if (days < 30) return 'text-warn';
  return 'text-ok';
}

function DaysLeft({ days }: { days: number | null }) {
  if (days === null) return null;
  const level = days < 7 ? 'critical' : days < 30 ? 'warning' : 'ok';
  const text = days < 0 ? `expired ${Math.abs(days).toFixed(0)} days ago` : `${days.toFixed(days < 2 ? 1 : 0)} days left`;
  return (
    <span data-testid="tls-days-left" data-level={level} className={`font-semibold ${daysTone(days)}`}>
      {text}
    </span>
  );
}

function when(value: unknown): string {
  const ts = parseIso(str(value));
  return ts === null ? str(value) : formatDateTime(ts);
}

function certRows(cert: Row): [string, ReactNode][] {
  const sans = stringList(cert.sans);
  return [
    ['Subject', <span className="font-mono text-xs">{str(cert.subject)}</span>],
    [
      'Issuer',
      <span className="font-mono text-xs">
        {str(cert.issuer)} {cert.self_signed === true && <Badge tone="warn">self-signed</Badge>}
      </span>,
    ],
    [
      'Names (SAN)',
      sans.length ? (
        <ul className="flex flex-wrap gap-1">
          {sans.map((s) => (
            <li key={s} className="rounded bg-surface-2 px-1.5 font-mono text-xs">
              {s}
            </li>
          ))}
        </ul>
      ) : (
        <span className="text-muted">none</span>
      ),
    ],
    [
      'Valid',
      <span>
        {when(cert.not_before)} – {when(cert.not_after)} · <DaysLeft days={num(cert.days_to_expiry)} />
      </span>,
    ],
    ['Key', `${str(cert.public_key)}${cert.signature_algorithm ? ` · signed with ${str(cert.signature_algorithm)}` : ''}`],
    ['Serial', <span className="font-mono text-xs">{str(cert.serial)}</span>],
    ['SHA-256', <span className="break-all font-mono text-xs">{str(cert.sha256)}</span>],
  ];
}

export function TlsResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const data = isRecord(job.result) && isRecord(job.result.certificate) ? job.result : rows[0];
  if (!data || !isRecord(data.certificate)) return <Empty>No certificate yet.</Empty>;
  const cert = data.certificate;
  const chain = Array.isArray(data.chain) ? data.chain.filter(isRecord) : [];
  const connection: [string, ReactNode][] = [
    ['Server', <span className="font-mono text-xs">{`${str(data.host)} (${str(data.address)}) port ${str(data.port)}`}</span>],
    ['Server name (SNI)', str(data.server_name) || <span className="text-muted">none sent</span>],
    ['Protocol', str(data.protocol)],
    ['Cipher', `${str(data.cipher)}${data.cipher_bits ? ` (${str(data.cipher_bits)} bits)` : ''}`],
    [
      'Trusted',
      data.trusted === true ? (
        <span className="text-ok">yes, by this host's CA store</span>
      ) : (
        <span className="text-crit">no{data.verify_error ? `: ${str(data.verify_error)}` : ''}</span>
      ),
    ],
  ];
  const all = [...connection, ...certRows(cert)];
  return (
    <div className="space-y-3">
      <ResultTable columns={['Field', 'Value']} count={rows.length}>
        {all.map(([label, value]) => (
          <tr key={label}>
            <th scope="row" className={`${th} w-44 align-top normal-case tracking-normal`}>
              {label}
            </th>
            <td className={td}>{value}</td>
          </tr>
        ))}
      </ResultTable>
      {chain.length > 0 && (
        <div>
          <h4 className="mb-1 text-sm font-semibold text-fg">Chain ({chain.length} above the leaf)</h4>
          <ol className="space-y-1 text-sm">
            {chain.map((c, i) => (
              <li key={str(c.sha256) || i} className="rounded-md border border-border px-2 py-1">
                <div className="break-all font-mono text-xs">{str(c.subject)}</div>
                <div className="text-xs text-muted">
                  issued by {str(c.issuer)} · until {when(c.not_after)} · <DaysLeft days={num(c.days_to_expiry)} />
                </div>
              </li>
            ))}
          </ol>
        </div>
      )}
      {data.chain === null && <p className="text-xs text-muted">The agent's Python cannot show the chain (needs 3.13+).</p>}
    </div>
  );
}
