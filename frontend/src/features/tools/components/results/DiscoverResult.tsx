import type { ToolJob } from '@/types/jobs';
import { Badge, Empty, Facts, isRecord, Notes, ResultTable, str, td, tdMono, type Row } from './parts';

function ipKey(ip: string): string {
  // Sort 192.168.1.10 after 192.168.1.9; IPv6 after IPv4.
  return ip.includes(':') ? `z${ip}` : ip.split('.').map((p) => p.padStart(3, '0')).join('.');
}

export function DiscoverResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const result = isRecord(job.result) ? job.result : null;
  const sorted = [...rows].sort((a, b) => ipKey(str(a.ip)).localeCompare(ipKey(str(b.ip))));
  return (
    <div className="space-y-3">
      {result && (
        <Facts
          items={[
            ['Hosts up', str(result.up)],
            ['Addresses probed', str(result.addresses)],
            ['Method', str(result.method)],
            ['Elapsed', result.elapsed !== undefined ? `${str(result.elapsed)} s` : ''],
          ]}
        />
      )}
      <Notes result={job.result} />
      {sorted.length === 0 ? (
        <Empty>{job.status === 'finished' ? 'No hosts answered.' : 'No hosts found yet.'}</Empty>
      ) : (
        <ResultTable columns={['IP', 'MAC', 'Vendor', 'Host name', 'Found by']} count={sorted.length}>
          {sorted.map((row) => (
            <tr key={str(row.ip)} data-ip={str(row.ip)}>
              <td className={tdMono}>
                {str(row.ip)} {row.self === true && <Badge tone="accent">this host</Badge>}
              </td>
              <td className={tdMono}>
                {str(row.mac) || '–'}{' '}
                {row.randomized_mac === true && (
                  <Badge tone="warn" title="Locally administered: randomized by the device (phones, laptops) or virtual">
                    randomized
                  </Badge>
                )}
              </td>
              <td className={td}>{str(row.vendor) || '–'}</td>
              <td className={td}>{str(row.hostname) || '–'}</td>
              <td className={td}>{str(row.method)}</td>
            </tr>
          ))}
        </ResultTable>
      )}
    </div>
  );
}
