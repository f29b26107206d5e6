import { Panel } from '@/components/ui/Panel';
import { UsageBar, levelTextClass } from '@/components/ui/UsageBar';
import { formatPercent } from '@/lib/format';

export function CoreList({ perCore }: { perCore: number[] }) {
  return (
    <Panel title={`CPU cores (${perCore.length})`} testId="host-cores">
      {perCore.length === 0 ? (
        <p className="text-sm text-muted">No per-core data yet.</p>
      ) : (
        <ul className="grid grid-cols-[repeat(auto-fill,minmax(9rem,1fr))] gap-x-4 gap-y-2">
          {perCore.map((value, i) => (
            <li key={i} className="flex items-center gap-2 text-xs tabular-nums">
              <span className="w-10 shrink-0 text-muted">cpu{i}</span>
              <UsageBar percent={value} label={`Core ${i} usage`} className="flex-1" />
              <span className={`w-12 shrink-0 text-right ${levelTextClass(value)}`}>{formatPercent(value, 0)}</span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
