import { useMemo, useState, type FormEvent } from 'react';
import { Dialog, DialogFormButtons } from '@/components/ui/Dialog';
import { TextField } from '@/components/ui/Field';
import { Spinner } from '@/components/ui/Spinner';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import type { HostInfo } from '@/types/api';
import { useHosts } from '@/lib/queries/hosts';
import { useSetGroupHosts } from '../api/set-group-hosts';
import type { HostGroupDetail } from '../types';

interface GroupHostsDialogProps {
  group: HostGroupDetail;
  open: boolean;
  onClose: () => void;
  onDone: (count: number) => void;
}

export function GroupHostsDialog({ group, open, onClose, onDone }: GroupHostsDialogProps) {
  return (
    <Dialog open={open} title={`Hosts of ${group.name}`} onClose={onClose} testId="group-hosts-dialog" wide>
      <HostsEditor group={group} onClose={onClose} onDone={onDone} />
    </Dialog>
  );
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function matches(host: HostInfo, needle: string): boolean {
  return (
    host.hostname.toLowerCase().includes(needle) ||
    host.os.toLowerCase().includes(needle) ||
    host.addresses.some((a) => a.toLowerCase().includes(needle))
  );
}

/** Mounted each time the dialog opens, so it starts from the group's saved hosts. */
function HostsEditor({ group, onClose, onDone }: Omit<GroupHostsDialogProps, 'open'>) {
  const hosts = useHosts();
  const save = useSetGroupHosts();
  const [selected, setSelected] = useState<Set<string>>(() => new Set(group.host_ids));
  const [filter, setFilter] = useState('');

  const sorted = useMemo(
    () => [...(hosts.data ?? [])].sort((a, b) => collator.compare(a.hostname, b.hostname) || a.id.localeCompare(b.id)),
    [hosts.data],
  );
  const needle = filter.trim().toLowerCase();
  const shown = needle ? sorted.filter((h) => matches(h, needle)) : sorted;

  const toggle = (id: string, checked: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (checked) next.add(id);
      else next.delete(id);
      return next;
    });

  const setShown = (checked: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const h of shown) {
        if (checked) next.add(h.id);
        else next.delete(h.id);
      }
      return next;
    });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (save.isPending || !hosts.data) return;
    // Only hosts that still exist: one deleted since the dialog opened would be refused.
    const known = new Set(hosts.data.map((h) => h.id));
    const hostIds = [...selected].filter((id) => known.has(id));
    save.mutate({ id: group.id, hostIds }, { onSuccess: (saved) => onDone(saved.host_count) });
  };

  return (
    <form onSubmit={onSubmit} className="space-y-3">
      {hosts.isPending && <Spinner label="Loading hosts…" />}
      {hosts.isError && (
        <p role="alert" className="text-sm text-crit">
          The hosts could not be loaded: {describeError(hosts.error)}
        </p>
      )}
      {hosts.data && hosts.data.length === 0 && (
        <p className="text-sm text-muted">No host is enrolled yet: enroll agents on the Agents page first.</p>
      )}
      {hosts.data && hosts.data.length > 0 && (
        <>
          <div className="flex flex-wrap items-end gap-2">
            <TextField
              label="Filter"
              className="min-w-40 flex-1"
              type="search"
              data-testid="group-hosts-filter"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            <button type="button" className={smallButton} onClick={() => setShown(true)} disabled={shown.length === 0}>
              Select shown
            </button>
            <button type="button" className={smallButton} onClick={() => setShown(false)} disabled={shown.length === 0}>
              Clear shown
            </button>
          </div>
          <p className="text-xs text-muted" aria-live="polite" data-testid="group-hosts-selected">
            {selected.size} of {hosts.data.length} {hosts.data.length === 1 ? 'host' : 'hosts'} selected
          </p>
          <fieldset className="max-h-80 overflow-y-auto rounded-md border border-border">
            <legend className="sr-only">Hosts in {group.name}</legend>
            {shown.length === 0 ? (
              <p className="p-3 text-sm text-muted">No host matches “{filter.trim()}”.</p>
            ) : (
              <ul className="divide-y divide-border">
                {shown.map((host) => (
                  <li key={host.id}>
                    <label className="flex cursor-pointer items-center gap-3 px-3 py-2 hover:bg-surface-2">
                      <input
                        type="checkbox"
                        data-testid="group-host-checkbox"
                        data-hostname={host.hostname}
                        checked={selected.has(host.id)}
                        onChange={(e) => toggle(host.id, e.target.checked)}
                        className="h-4 w-4 accent-accent"
                      />
                      <span className="min-w-0 flex-1">
                        <span className="block truncate text-sm font-medium text-fg">{host.hostname}</span>
                        <span className="block truncate text-xs text-muted">{host.os || 'unknown OS'}</span>
                      </span>
                      <StatusBadge status={host.online ? 'online' : 'offline'} />
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </fieldset>
        </>
      )}
      {save.isError && (
        <p role="alert" data-testid="group-hosts-error" className="text-sm text-crit">
          {describeError(save.error, 'The hosts could not be saved.')}
        </p>
      )}
      <DialogFormButtons submitLabel="Save" submitTestId="group-hosts-save" pending={save.isPending} disabled={!hosts.data} onCancel={onClose} />
    </form>
  );
}
