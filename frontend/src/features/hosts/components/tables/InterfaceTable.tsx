import { formatNumber, formatRate } from '@/lib/format';
import type { NetIo } from '@/types/api';
import { FamilyTable, tdMono, type Column } from './parts';

function pair(a: number, b: number, bad: boolean) {
  const text = `${a.toLocaleString()} / ${b.toLocaleString()}`;
  return bad && a + b > 0 ? <span className="text-warn">{text}</span> : text;
}

const COLUMNS: Column<NetIo>[] = [
  { label: 'Interface', cellClass: tdMono, cell: (n) => n.iface },
  { label: 'Receive', numeric: true, cell: (n) => formatRate(n.rx_bps) },
  { label: 'Transmit', numeric: true, cell: (n) => formatRate(n.tx_bps) },
  {
    label: 'Packets/s in / out',
    numeric: true,
    title: 'Packets per second received / sent',
    cell: (n) => `${formatNumber(n.rx_pps, 0)} / ${formatNumber(n.tx_pps, 0)}`,
  },
  { label: 'Errors', numeric: true, title: 'Errors in / out', cell: (n) => pair(n.errin, n.errout, true) },
  { label: 'Drops', numeric: true, title: 'Dropped packets in / out', cell: (n) => pair(n.dropin, n.dropout, true) },
];

export function InterfaceTable({ interfaces, unavailable }: { interfaces: NetIo[]; unavailable: boolean }) {
  const sorted = [...interfaces].sort((a, b) => a.iface.localeCompare(b.iface, undefined, { numeric: true }));
  return (
    <FamilyTable
      title="Network interfaces"
      testId="table-interfaces"
      rows={sorted}
      unavailable={unavailable}
      empty="No interfaces reported."
      minWidth="36rem"
      columns={COLUMNS}
      rowKey={(n) => n.iface}
      rowAttributes={(n) => ({ 'data-iface': n.iface })}
    />
  );
}
