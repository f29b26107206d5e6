import { Panel } from '@/components/ui/Panel';
import { levelTextClass } from '@/components/ui/UsageBar';
import { formatNumber, formatPercent, formatRate } from '@/lib/format';
import type { DiskIo } from '@/types/api';
import { Muted, Table, familyNote, tdMono, tdRight, th, thRight } from './parts';

export function DiskIoTable({ disks, unavailable }: { disks: DiskIo[]; unavailable: boolean }) {
  const sorted = [...disks].sort((a, b) => a.device.localeCompare(b.device, undefined, { numeric: true }));
  return (
    <Panel title="Disks" testId="table-disks">
      {familyNote(unavailable, true) ??
        (sorted.length === 0 ? (
          <Muted>No disks reported.</Muted>
        ) : (
          <Table
            minWidth="30rem"
            head={
              <>
                <th className={th}>Device</th>
                <th className={thRight}>Read</th>
                <th className={thRight}>Write</th>
                <th className={thRight} title="Read / write operations per second">
                  IOPS r / w
                </th>
                <th className={thRight}>Busy</th>
              </>
            }
          >
            {sorted.map((d) => (
              <tr key={d.device} data-device={d.device}>
                <td className={tdMono}>{d.device}</td>
                <td className={tdRight}>{formatRate(d.read_bps)}</td>
                <td className={tdRight}>{formatRate(d.write_bps)}</td>
                <td className={tdRight}>
                  {formatNumber(d.read_iops, d.read_iops >= 100 ? 0 : 1)} / {formatNumber(d.write_iops, d.write_iops >= 100 ? 0 : 1)}
                </td>
                <td className={`${tdRight} ${levelTextClass(d.busy_pct)}`}>{formatPercent(d.busy_pct)}</td>
              </tr>
            ))}
          </Table>
        ))}
    </Panel>
  );
}
