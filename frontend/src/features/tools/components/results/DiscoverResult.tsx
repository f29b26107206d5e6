import type { ToolJob } from '@/types/jobs';
import { Badge, elapsed, fieldFacts, Notes, NoRows, ResultFacts, ResultRows, str, td, tdMono, type Row } from './parts';

function ipKey(ip: string): string {
  // Sort 192.168.1.10 after 192.168.1.9; IPv6 after IPv4.
  return ip.includes(':') ? `z${ip}` : ip.split('.').map((p) => p.padStart(3, '0')).join('.');
}

export function DiscoverResult({ job, rows }: { job: ToolJob; rows: Row[] }) {
  const sorted = [...rows].sort((a, b) => ipKey(str(a.ip)).localeCompare(ipKey(str(b.ip))));
  return (
    <div className="space-y-3">
      <ResultFacts
        job={job}
        items={(result) => [...fieldFacts(result, [['Hosts up', 'up'], ['Addresses probed', 'addresses'], ['Method', 'method']]), elapsed(result)]}
      />
      <Notes result={job.result} />
      <ResultRows
        rows={sorted}
        none={<NoRows job={job} finished="No hosts answered." running="No hosts found yet." />}
        columns={['IP', 'MAC', 'Vendor', 'Host name', 'Found by']}
      >
        {(row) => (
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
        )}
      </ResultRows>
    </div>
  );
}
