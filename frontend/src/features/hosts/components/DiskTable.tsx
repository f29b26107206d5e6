import { Panel } from '@/components/ui/Panel';
import { UsageBar, levelTextClass } from '@/components/ui/UsageBar';
import { formatBytes, formatPercent } from '@/lib/format';
import type { DiskUsage } from '@/types/api';

export function DiskTable({ disks }: { disks: DiskUsage[] }) {
  const sorted = [...disks].sort((a, b) => a.mount.localeCompare(b.mount));
  return (
    <Panel title="Disk usage" testId="host-disks">
      {sorted.length === 0 ? (
        <p className="text-sm text-muted">No file systems reported yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[36rem] text-left text-sm">
            <thead className="text-xs text-muted">
              <tr>
                <th scope="col" className="py-1.5 pr-3 font-medium">Mount</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Device</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Type</th>
                <th scope="col" className="py-1.5 pr-3 text-right font-medium">Used</th>
                <th scope="col" className="py-1.5 pr-3 text-right font-medium">Free</th>
                <th scope="col" className="py-1.5 pr-3 text-right font-medium">Size</th>
                <th scope="col" className="w-40 py-1.5 font-medium">Usage</th>
              </tr>
            </thead>
            <tbody className="tabular-nums">
              {sorted.map((d) => (
                <tr key={`${d.mount}\u0000${d.device}`} className="border-t border-border">
                  <td className="py-1.5 pr-3 font-mono text-xs break-all">{d.mount}</td>
                  <td className="py-1.5 pr-3 font-mono text-xs text-muted break-all">{d.device}</td>
                  <td className="py-1.5 pr-3 text-xs text-muted">{d.fstype}</td>
                  <td className="py-1.5 pr-3 text-right">{formatBytes(d.used)}</td>
                  <td className="py-1.5 pr-3 text-right">{formatBytes(d.free)}</td>
                  <td className="py-1.5 pr-3 text-right">{formatBytes(d.total)}</td>
                  <td className="py-1.5">
                    <div className="flex items-center gap-2">
                      <UsageBar percent={d.percent} label={`${d.mount} usage`} className="flex-1" />
                      <span className={`w-12 text-right text-xs ${levelTextClass(d.percent)}`}>{formatPercent(d.percent)}</span>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
