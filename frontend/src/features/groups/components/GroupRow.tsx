import { useRowDialogs } from '@/lib/use-row-dialogs';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { dangerButton, smallButton, tdClass } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { useDeleteHostGroup } from '../api/delete-host-group';
import type { HostGroupDetail } from '../types';
import { GroupHostsDialog } from './GroupHostsDialog';
import { RenameGroupDialog } from './RenameGroupDialog';

type OpenDialog = 'rename' | 'hosts' | 'delete';

export function GroupRow({ group }: { group: HostGroupDetail }) {
  const remove = useDeleteHostGroup();
  const dialogs = useRowDialogs<OpenDialog>();
  const { dialog, notice, open } = dialogs;
  const access = group.access ?? [];
  const grantees = access.length;

  const closeDelete = () => {
    remove.reset();
    dialogs.close();
  };

  return (
    <tr data-testid="group-row" data-name={group.name}>
      <td className={tdClass}>
        <div className="font-medium" data-testid="group-name">
          {group.name}
        </div>
        {group.description && <div className="text-xs text-muted">{group.description}</div>}
      </td>
      <td className={`${tdClass} tabular-nums`} data-testid="group-host-count">
        {group.host_count} {group.host_count === 1 ? 'host' : 'hosts'}
      </td>
      <td className={tdClass}>
        {access.length === 0 ? (
          <span className="text-muted">owners and admins only</span>
        ) : (
          <ul className="space-y-0.5" data-testid="group-access">
            {access.map((a) => (
              <li key={a.user_id}>
                {a.username} <span className="text-xs text-muted">{a.role}</span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className={tdClass}>
        <div className="flex flex-wrap gap-1.5">
          <button type="button" data-testid="group-edit-hosts" className={smallButton} onClick={() => open('hosts')}>
            Hosts
          </button>
          <button type="button" data-testid="group-rename" className={smallButton} onClick={() => open('rename')}>
            Rename
          </button>
          <button type="button" data-testid="group-delete" className={dangerButton} onClick={() => open('delete')}>
            Delete
          </button>
        </div>
        {notice && (
          <p role="status" data-testid="group-message" className="mt-1.5 text-xs text-muted">
            {notice}
          </p>
        )}
        <GroupHostsDialog
          group={group}
          {...dialogs.props('hosts', (count: number) => `Hosts saved: ${count} ${count === 1 ? 'host' : 'hosts'} in ${group.name}.`)}
        />
        <RenameGroupDialog
          group={group}
          {...dialogs.props('rename', 'Group saved.')}
        />
        <ConfirmDialog
          open={dialog === 'delete'}
          title={`Delete ${group.name}?`}
          confirmLabel="Delete group"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.isError ? describeError(remove.error, 'The host group could not be deleted.') : null}
          onCancel={closeDelete}
          onConfirm={() => remove.mutate(group.id, { onSuccess: dialogs.close })}
        >
          <p>
            The group is removed; its {group.host_count} {group.host_count === 1 ? 'host stays' : 'hosts stay'} enrolled and in
            any other group.
          </p>
          {grantees > 0 && (
            <p>
              {grantees} {grantees === 1 ? 'user loses' : 'users lose'} access to the hosts they could reach only through this
              group, at once.
            </p>
          )}
        </ConfirmDialog>
      </td>
    </tr>
  );
}
