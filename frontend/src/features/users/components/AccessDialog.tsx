import { useRef, useState, type FormEvent } from 'react';
import { Dialog, DialogFormButtons, type EditDialogProps } from '@/components/ui/Dialog';
import { onChoice, Options, SelectField } from '@/components/ui/Field';
import { dangerButton, smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { hasGroupAccessList, isGroupRole } from '@/lib/roles';
import type { GroupRole, HostGroup, User } from '@/types/api';
import { useHostGroups } from '@/lib/queries/host-groups';
import { useSetUserAccess } from '../api/set-user-access';

type AccessDialogProps = EditDialogProps & { user: User };

export function AccessDialog({ user, open, onClose, onDone }: AccessDialogProps) {
  return (
    <Dialog open={open} title={`Host-group access of ${user.username}`} onClose={onClose} testId="user-access-dialog" wide>
      <AccessEditor user={user} onClose={onClose} onDone={onDone} />
    </Dialog>
  );
}

interface Row {
  key: number;
  groupId: number;
  role: GroupRole;
}

/** Mounted each time the dialog opens, so it starts from the user's saved grants. */
function AccessEditor({ user, onClose, onDone }: Omit<AccessDialogProps, 'open'>) {
  const save = useSetUserAccess();
  const hostGroups = useHostGroups();
  const nextKey = useRef(0);
  const [rows, setRows] = useState<Row[]>(() =>
    (user.access ?? []).map((a) => ({ key: nextKey.current++, groupId: a.group_id, role: a.role })),
  );

  // Granted groups stay listed even if the group list failed to load, so saving keeps them.
  const groups = new Map<number, HostGroup>();
  for (const a of user.access ?? []) groups.set(a.group_id, { id: a.group_id, name: a.group });
  for (const g of hostGroups.data ?? []) groups.set(g.id, g);
  const known = [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  const used = new Set(rows.map((r) => r.groupId));
  const unused = known.filter((g) => !used.has(g.id));

  const update = (key: number, patch: Partial<Row>) => setRows((current) => current.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const add = () => {
    const first = unused[0];
    if (!first) return;
    setRows((current) => [...current, { key: nextKey.current++, groupId: first.id, role: 'viewer' }]);
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (save.isPending) return;
    save.mutate(
      { id: user.id, access: rows.map((r) => ({ group_id: r.groupId, role: r.role })) },
      { onSuccess: onDone },
    );
  };

  return (
    <form onSubmit={onSubmit} className="space-y-3">
      <p className="text-sm text-muted">
        {hasGroupAccessList(user)
          ? 'Viewers see the hosts of a group; operators can also run tools and manage alerts.'
          : 'This user is an owner or admin and already sees every host; these grants apply only if they become a member.'}
      </p>
      {hostGroups.isError && (
        <p role="alert" className="text-sm text-crit">
          The list of host groups could not be loaded: {describeError(hostGroups.error)}
        </p>
      )}
      {rows.length === 0 ? (
        <p className="text-sm text-fg" data-testid="access-empty">
          No access to any host group.
        </p>
      ) : (
        <ul className="space-y-2">
          {rows.map((row) => {
            const choices = known.filter((g) => g.id === row.groupId || !used.has(g.id));
            const name = groups.get(row.groupId)?.name ?? `group ${row.groupId}`;
            return (
              <li key={row.key} data-testid="access-row" className="flex flex-wrap items-end gap-2">
                <SelectField
                  label="Host group"
                  className="min-w-40 flex-1"
                  data-testid="access-group"
                  value={row.groupId}
                  onChange={(e) => update(row.key, { groupId: Number(e.target.value) })}
                >
                  <Options items={choices} value={(g) => g.id} label={(g) => g.name} />
                </SelectField>
                <SelectField
                  label="Access"
                  className="w-36"
                  data-testid="access-role"
                  value={row.role}
                  onChange={onChoice(isGroupRole, (role) => update(row.key, { role }))}
                >
                  <option value="viewer">Viewer</option>
                  <option value="operator">Operator</option>
                </SelectField>
                <button
                  type="button"
                  data-testid="access-remove"
                  aria-label={`Remove access to ${name}`}
                  className={`${dangerButton} mb-0.5`}
                  onClick={() => setRows((current) => current.filter((r) => r.key !== row.key))}
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div>
        <button
          type="button"
          data-testid="access-add"
          className={smallButton}
          onClick={add}
          disabled={unused.length === 0 || hostGroups.isPending}
        >
          Add a host group
        </button>
        {!hostGroups.isPending && known.length === 0 && (
          <p className="mt-1 text-xs text-muted">No host group exists yet: create one on the Groups page.</p>
        )}
      </div>
      <DialogFormButtons
        failure={{ of: save, text: 'The access could not be saved.', testId: 'access-error' }}
        submitLabel="Save"
        submitTestId="access-save"
        pending={save.isPending}
        onCancel={onClose}
      />
    </form>
  );
}
