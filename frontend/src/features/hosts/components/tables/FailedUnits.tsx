import { Panel } from '@/components/ui/Panel';
import type { FailedUnit } from '@/types/api';
import { Muted, familyNote } from './parts';

export function FailedUnits({ units, unavailable }: { units: FailedUnit[] | null; unavailable: boolean }) {
  const failing = units !== null && units.length > 0;
  return (
    <Panel
      title={`Failed systemd units${units ? ` (${units.length})` : ''}`}
      testId="failed-units"
      className={failing ? 'border-crit' : ''}
    >
      {familyNote(unavailable, units !== null) ??
        (!failing ? (
          <Muted state="none">No failed units.</Muted>
        ) : (
          <ul data-state="failing" className="space-y-1.5 text-sm">
            {units.map((u) => (
              <li key={u.name} className="min-w-0">
                <span className="font-mono text-xs font-semibold text-crit">{u.name}</span>
                <span className="ml-2 text-xs text-muted">
                  {[u.load, u.active, u.sub].filter(Boolean).join(' · ')}
                </span>
                {u.description && <p className="truncate text-xs text-muted" title={u.description}>{u.description}</p>}
              </li>
            ))}
          </ul>
        ))}
    </Panel>
  );
}
