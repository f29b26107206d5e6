import { Panel, PanelLine } from '@/components/ui/Panel';
import type { FailedUnit } from '@/types/api';
import { familyNote } from './parts';

export function FailedUnits({ units, unavailable }: { units: FailedUnit[] | null; unavailable: boolean }) {
  const failing = units !== null && units.length > 0;
  // Nothing to show (no systemd, or nothing failed): one line, not a panel.
  if (unavailable) {
    return (
      <PanelLine title="Failed systemd units" testId="failed-units">
        <span data-state="unavailable">systemd is unavailable on this host.</span>
      </PanelLine>
    );
  }
  if (units !== null && !failing) {
    return (
      <PanelLine title="Failed systemd units" testId="failed-units">
        <span data-state="none">none.</span>
      </PanelLine>
    );
  }
  return (
    <Panel
      title={`Failed systemd units${units ? ` (${units.length})` : ''}`}
      testId="failed-units"
      className={failing ? 'border-crit' : ''}
    >
      {familyNote(unavailable, units !== null) ?? (
        <ul data-state="failing" className="space-y-1.5 text-sm">
          {(units ?? []).map((u) => (
            <li key={u.name} className="min-w-0">
              <span className="font-mono text-xs font-semibold text-crit">{u.name}</span>
              <span className="ml-2 text-xs text-muted">{[u.load, u.active, u.sub].filter(Boolean).join(' · ')}</span>
              {u.description && (
                <p className="truncate text-xs text-muted" title={u.description}>
                  {u.description}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
