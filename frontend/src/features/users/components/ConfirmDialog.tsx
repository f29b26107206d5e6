import type { ReactNode } from 'react';
import { Dialog } from '@/components/ui/Dialog';
import { dangerButton, secondaryButton } from '@/components/ui/styles';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog({ open, title, children, confirmLabel, pending, error, onConfirm, onCancel }: ConfirmDialogProps) {
  return (
    <Dialog open={open} title={title} onClose={onCancel} busy={pending} testId="confirm-dialog">
      <div className="text-sm text-muted">{children}</div>
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
          {pending ? 'Working…' : confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
