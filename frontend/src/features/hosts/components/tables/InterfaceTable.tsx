import { Panel } from '@/components/ui/Panel';
import { formatNumber, formatRate } from '@/lib/format';
import type { NetIo } from '@/types/api';
import { Muted, Table, familyNote, tdMono, tdRight, th, thRight } from './parts';

function pair(a: number, b: number, bad: boolean) {
  const text = `${a.toLocaleString()} / ${b.toLocaleString()}`;
  return bad && a + b > 0 ? <span className="text-warn">{text}</span> : text;
}

export function InterfaceTable({ interfaces, unavailable }: { interfaces: NetIo[]; unavailable: boolean }) {
  const sorted = [...interfaces].sort((a, b) => a.iface.localeCompare(b.iface, undefined, { numeric: true }));
  return (
    <Panel title="Network interfaces" testId="table-interfaces">
      {familyNote(unavailable, true) ??
        (sorted.length === 0 ? (
          <Muted>No interfaces reported.</Muted>
        ) : (
          <Table
            minWidth="36rem"
            head={
              <>
                <th className={th}>Interface</th>
                <th className={thRight}>Receive</th>
                <th className={thRight}>Transmit</th>
                <th className={thRight} title="Packets per second received / sent">
                  Packets/s in / out
                </th>
                <th className={thRight} title="Errors in / out">
                  Errors
                </th>
                <th className={thRight} title="Dropped packets in / out">
                  Drops
                </th>
              </>
            }
          >
            {sorted.map((n) => (
              <tr key={n.iface} data-iface={n.iface}>
                <td className={tdMono}>{n.iface}</td>
                <td className={tdRight}>{formatRate(n.rx_bps)}</td>
                <td className={tdRight}>{formatRate(n.tx_bps)}</td>
                <td className={tdRight}>
                  {formatNumber(n.rx_pps, 0)} / {formatNumber(n.tx_pps, 0)}
                </td>
                <td className={tdRight}>{pair(n.errin, n.errout, true)}</td>
                <td className={tdRight}>{pair(n.dropin, n.dropout, true)}</td>
              </tr>
            ))}
          </Table>
        ))}
    </Panel>
  );
}
