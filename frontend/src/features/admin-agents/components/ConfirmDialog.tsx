import { useEffect, useId, useRef, type ReactNode } from 'react';
import { dangerButton, secondaryButton } from './styles';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal yes/no question on the native <dialog> (focus trap and Escape come with it); it is in
 * the page only while open, so there is never more than one. */
export function ConfirmDialog({ open, ...props }: ConfirmDialogProps) {
  return open ? <OpenDialog {...props} /> : null;
}

function OpenDialog({ title, children, confirmLabel, pending = false, onConfirm, onCancel }: Omit<ConfirmDialogProps, 'open'>) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid="confirm-dialog"
      onCancel={(event) => {
        // Escape: React state, not the browser, decides whether the dialog is open.
        event.preventDefault();
        if (!pending) onCancel();
      }}
      className="m-auto w-full max-w-md rounded-lg border border-border bg-surface p-5 text-fg shadow-lg backdrop:bg-black/40"
    >
      <h2 id={titleId} className="text-base font-semibold">
        {title}
      </h2>
      <div className="mt-2 text-sm text-muted">{children}</div>
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
    </dialog>
  );
}
