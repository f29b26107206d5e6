import { levelTextClass } from '@/components/ui/UsageBar';
import { formatNumber, formatPercent, formatRate } from '@/lib/format';
import type { DiskIo } from '@/types/api';
import { FamilyTable, tdMono, tdRight, type Column } from './parts';

const iops = (value: number) => formatNumber(value, value >= 100 ? 0 : 1);

const COLUMNS: Column<DiskIo>[] = [
  { label: 'Device', cellClass: tdMono, cell: (d) => d.device },
  { label: 'Read', numeric: true, cell: (d) => formatRate(d.read_bps) },
  { label: 'Write', numeric: true, cell: (d) => formatRate(d.write_bps) },
  {
    label: 'IOPS r / w',
    numeric: true,
    title: 'Read / write operations per second',
    cell: (d) => `${iops(d.read_iops)} / ${iops(d.write_iops)}`,
  },
  { label: 'Busy', numeric: true, cellClass: (d) => `${tdRight} ${levelTextClass(d.busy_pct)}`, cell: (d) => formatPercent(d.busy_pct) },
];

export function DiskIoTable({ disks, unavailable }: { disks: DiskIo[]; unavailable: boolean }) {
  const sorted = [...disks].sort((a, b) => a.device.localeCompare(b.device, undefined, { numeric: true }));
  return (
    <FamilyTable
      title="Disks"
      testId="table-disks"
      rows={sorted}
      unavailable={unavailable}
      empty="No disks reported."
      minWidth="30rem"
      columns={COLUMNS}
      rowKey={(d) => d.device}
      rowAttributes={(d) => ({ 'data-device': d.device })}
    />
  );
}
