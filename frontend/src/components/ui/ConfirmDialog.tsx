import type { ReactNode } from 'react';
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
