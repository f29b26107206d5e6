import type { ReactNode } from 'react';
import { describeError } from '@/lib/api';
import { Dialog } from './Dialog';
import { dangerButton, secondaryButton } from './styles';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** The question's details: text, or a few paragraphs. */
  children: ReactNode;
  confirmLabel: string;
  /** Shown on the confirm button while `pending`. */
  pendingLabel?: string;
  pending?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A yes/no question before a destructive action; the confirm button has the focus. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  pendingLabel = 'Working…',
  pending = false,
  error = null,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  return (
    <Dialog open={open} title={title} onClose={onCancel} busy={pending} testId="confirm-dialog">
      <div className="space-y-2 text-sm text-muted">{children}</div>
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
          {pending ? pendingLabel : confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

/** A mutation called with the id of the thing it removes (useMutation's result). */
interface RemoveMutation<TId> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  reset: () => void;
  mutate: (id: TId, options: { onSuccess: () => void }) => void;
}

interface ConfirmRemoveProps<TId> {
  /** What is about to be removed; the dialog is open while it is set. */
  target: { id: TId } | null;
  remove: RemoveMutation<TId>;
  /** Closed: cancelled, or removed. */
  onClose: () => void;
  title: string;
  confirmLabel: string;
  pendingLabel?: string;
  /** What the error says when the hub gives no reason. */
  failure?: string;
  children: ReactNode;
}

/** Asks before removing one thing with `remove`; closes when it is gone, shows why when it is not. */
export function ConfirmRemove<TId>({
  target,
  remove,
  onClose,
  title,
  confirmLabel,
  pendingLabel = 'Deleting…',
  failure,
  children,
}: ConfirmRemoveProps<TId>) {
  return (
    <ConfirmDialog
      open={target !== null}
      title={title}
      confirmLabel={confirmLabel}
      pendingLabel={pendingLabel}
      pending={remove.isPending}
      error={remove.isError ? describeError(remove.error, failure) : null}
      onConfirm={() => target && remove.mutate(target.id, { onSuccess: onClose })}
      onCancel={() => {
        remove.reset();
        onClose();
      }}
    >
      {children}
    </ConfirmDialog>
  );
}
