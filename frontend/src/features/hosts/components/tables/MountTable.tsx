import { Panel } from '@/components/ui/Panel';
import { UsageBar, levelTextClass } from '@/components/ui/UsageBar';
import { formatBytes, formatPercent } from '@/lib/format';
import type { DiskUsage } from '@/types/api';
import { Muted, Table, familyNote, td, tdMono, tdRight, th, thRight } from './parts';

export function MountTable({ disks, unavailable }: { disks: DiskUsage[]; unavailable: boolean }) {
  const sorted = [...disks].sort((a, b) => a.mount.localeCompare(b.mount));
  return (
    <Panel title="File systems" testId="table-mounts" className="xl:col-span-2">
      {familyNote(unavailable, true) ??
        (sorted.length === 0 ? (
          <Muted>No file systems reported.</Muted>
        ) : (
          <Table
            minWidth="44rem"
            head={
              <>
                <th className={th}>Mount</th>
                <th className={th}>Device</th>
                <th className={th}>Type</th>
                <th className={thRight}>Used</th>
                <th className={thRight}>Free</th>
                <th className={thRight}>Size</th>
                <th className={`${th} w-40`}>Usage</th>
                <th className={thRight}>Inodes</th>
              </>
            }
          >
            {sorted.map((d) => (
              <tr key={`${d.mount}\u0000${d.device}`} data-mount={d.mount}>
                <td className={tdMono}>{d.mount}</td>
                <td className={`${tdMono} text-muted`}>{d.device}</td>
                <td className={`${td} text-xs text-muted`}>{d.fstype}</td>
                <td className={tdRight}>{formatBytes(d.used)}</td>
                <td className={tdRight}>{formatBytes(d.free)}</td>
                <td className={tdRight}>{formatBytes(d.total)}</td>
                <td className={td}>
                  <div className="flex items-center gap-2">
                    <UsageBar percent={d.percent} label={`${d.mount} usage`} className="flex-1" />
                    <span className={`w-12 text-right text-xs tabular-nums ${levelTextClass(d.percent)}`}>{formatPercent(d.percent)}</span>
                  </div>
                </td>
                <td
                  className={`${tdRight} text-xs ${levelTextClass(d.inodes_percent)}`}
                  title={
                    d.inodes_total !== null && d.inodes_used !== null
                      ? `${d.inodes_used.toLocaleString()} of ${d.inodes_total.toLocaleString()} inodes used`
                      : 'This file system has no fixed inode table'
                  }
                >
                  {d.inodes_percent !== null ? formatPercent(d.inodes_percent) : 'n/a'}
                </td>
              </tr>
            ))}
          </Table>
        ))}
    </Panel>
  );
}
