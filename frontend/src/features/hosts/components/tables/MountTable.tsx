import { UsageBar, levelTextClass } from '@/components/ui/UsageBar';
import { formatBytes, formatPercent } from '@/lib/format';
import type { DiskUsage } from '@/types/api';
import { FamilyTable, td, tdMono, tdRight, type Column } from './parts';

function inodesTitle(d: DiskUsage): string {
  return d.inodes_total !== null && d.inodes_used !== null
    ? `${d.inodes_used.toLocaleString()} of ${d.inodes_total.toLocaleString()} inodes used`
    : 'This file system has no fixed inode table';
}

const COLUMNS: Column<DiskUsage>[] = [
  { label: 'Mount', cellClass: tdMono, cell: (d) => d.mount },
  { label: 'Device', cellClass: `${tdMono} text-muted`, cell: (d) => d.device },
  { label: 'Type', cellClass: `${td} text-xs text-muted`, cell: (d) => d.fstype },
  { label: 'Used', numeric: true, cell: (d) => formatBytes(d.used) },
  { label: 'Free', numeric: true, cell: (d) => formatBytes(d.free) },
  { label: 'Size', numeric: true, cell: (d) => formatBytes(d.total) },
  {
    label: 'Usage',
    headClass: 'w-40',
    cell: (d) => (
      <div className="flex items-center gap-2">
        <UsageBar percent={d.percent} label={`${d.mount} usage`} className="flex-1" />
        <span className={`w-12 text-right text-xs tabular-nums ${levelTextClass(d.percent)}`}>{formatPercent(d.percent)}</span>
      </div>
    ),
  },
  {
    label: 'Inodes',
    numeric: true,
    cellClass: (d) => `${tdRight} text-xs ${levelTextClass(d.inodes_percent)}`,
    cellTitle: inodesTitle,
    cell: (d) => (d.inodes_percent !== null ? formatPercent(d.inodes_percent) : 'n/a'),
  },
];

export function MountTable({ disks, unavailable }: { disks: DiskUsage[]; unavailable: boolean }) {
  const sorted = [...disks].sort((a, b) => a.mount.localeCompare(b.mount));
  return (
    <FamilyTable
      title="File systems"
      testId="table-mounts"
      className="xl:col-span-2"
      rows={sorted}
      unavailable={unavailable}
      empty="No file systems reported."
      minWidth="44rem"
      columns={COLUMNS}
      rowKey={(d) => `${d.mount}\u0000${d.device}`}
      rowAttributes={(d) => ({ 'data-mount': d.mount })}
    />
  );
}
