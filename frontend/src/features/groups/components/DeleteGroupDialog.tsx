import { Dialog } from '@/components/ui/Dialog';
import { dangerButton, secondaryButton } from '@/components/ui/styles';
import type { HostGroupDetail } from '../types';

interface DeleteGroupDialogProps {
  group: HostGroupDetail;
  open: boolean;
  pending: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

export function DeleteGroupDialog({ group, open, pending, error, onConfirm, onCancel }: DeleteGroupDialogProps) {
  const grantees = group.access?.length ?? 0;
  return (
    <Dialog open={open} title={`Delete ${group.name}?`} onClose={onCancel} busy={pending} testId="confirm-dialog">
      <div className="space-y-2 text-sm text-muted">
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
      </div>
      {error && (
        <p role="alert" data-testid="confirm-error" className="mt-3 text-sm text-crit">
          {error}
        </p>
      )}
      <div className="mt-5 flex justify-end gap-2">
        <button type="button" data-testid="confirm-cancel" className={secondaryButton} onClick={onCancel} disabled={pending}>
          Cancel
        </button>
        <button
          type="button"
          data-testid="confirm-accept"
          className={`${dangerButton} px-3 py-1.5 text-sm`}
          onClick={onConfirm}
          disabled={pending}
          autoFocus
        >
          {pending ? 'Deleting…' : 'Delete group'}
        </button>
      </div>
    </Dialog>
  );
}
