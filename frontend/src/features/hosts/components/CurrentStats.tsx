import { UsageBar, levelTextClass } from '@/components/ui/UsageBar';
import { formatBytes, formatNumber, formatPercent, formatRate } from '@/lib/format';
import { rootDisk, totalNet } from '@/lib/metrics';
import type { Sample } from '@/types/api';

function Stat({ name, value, detail, percent }: { name: string; value: string; detail?: string; percent?: number | null }) {
  return (
    <div className="min-w-0 space-y-1.5 rounded-lg border border-border bg-surface p-3">
      <div className="text-xs text-muted">{name}</div>
      <div className={`text-lg font-semibold tabular-nums ${percent === undefined ? 'text-fg' : levelTextClass(percent)}`}>{value}</div>
      {percent !== undefined && <UsageBar percent={percent} label={`${name} usage`} />}
      {detail && <div className="truncate text-xs text-muted tabular-nums">{detail}</div>}
    </div>
  );
}

export function CurrentStats({ sample }: { sample: Sample | null }) {
  if (!sample) {
    return <p className="text-sm text-muted">This host has not sent a sample yet.</p>;
  }
  const disk = rootDisk(sample);
  const net = totalNet(sample);
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="host-current">
      <Stat name="CPU" value={formatPercent(sample.cpu.percent)} percent={sample.cpu.percent} detail={`steal ${formatPercent(sample.cpu.steal)}`} />
      <Stat
        name="Memory"
        value={formatPercent(sample.memory.percent)}
        percent={sample.memory.percent}
        detail={`${formatBytes(sample.memory.used)} / ${formatBytes(sample.memory.total)}`}
      />
      <Stat
        name="Swap"
        value={sample.swap.total > 0 ? formatPercent(sample.swap.percent) : 'none'}
        percent={sample.swap.total > 0 ? sample.swap.percent : null}
        detail={sample.swap.total > 0 ? `${formatBytes(sample.swap.used)} / ${formatBytes(sample.swap.total)}` : undefined}
      />
      <Stat
        name={disk ? `Disk ${disk.mount}` : 'Disk'}
        value={formatPercent(disk?.percent)}
        percent={disk?.percent ?? null}
        detail={disk ? `${formatBytes(disk.used)} / ${formatBytes(disk.total)}` : undefined}
      />
      <Stat name="Network" value={`↓ ${formatRate(net.rx)}`} detail={`↑ ${formatRate(net.tx)}`} />
      <Stat
        name="Load"
        value={formatNumber(sample.load.load1)}
        detail={`${formatNumber(sample.load.load5)} · ${formatNumber(sample.load.load15)}`}
      />
    </div>
  );
}
