import { useEffect, useId, useRef, type ReactNode } from 'react';
import { describeError } from '@/lib/api';
import { primaryButton, secondaryButton } from './styles';

interface DialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  /** Escape, or the caller's Cancel button; ignored while `busy`. */
  onClose: () => void;
  busy?: boolean;
  testId?: string;
  wide?: boolean;
}

/** A modal on the native <dialog>: focus trapping, Escape and the backdrop come with it. */
export function Dialog({ open, title, children, onClose, busy = false, testId, wide = false }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        // Escape: let React state, not the browser, decide whether the dialog is open.
        event.preventDefault();
        if (!busy) onClose();
      }}
      className={`m-auto w-full ${wide ? 'max-w-xl' : 'max-w-md'} rounded-lg border border-border bg-surface p-5 text-fg shadow-lg backdrop:bg-black/40`}
    >
      <h2 id={titleId} className="text-base font-semibold">
        {title}
      </h2>
      {open && <div className="mt-3">{children}</div>}
    </dialog>
  );
}

/** What a dialog that edits one thing is told by its page: whether it is open, and what to do after. */
export interface EditDialogProps {
  open: boolean;
  /** Cancel, Escape. */
  onClose: () => void;
  /** Saved. */
  onDone: () => void;
}

interface DialogFormButtonsProps {
  submitLabel: string;
  submitTestId: string;
  /** While the form is being saved: both buttons are disabled and the submit button says so. */
  pending: boolean;
  /** The submit button is disabled also when this is true. */
  disabled?: boolean;
  onCancel: () => void;
  /** The request's failure, said above the buttons: what it says when the hub gives no reason, and its test id. */
  failure?: { of: { isError: boolean; error: unknown }; text: string; testId: string };
}

/** Cancel and submit at the foot of a form in a dialog, under why the last try failed. */
export function DialogFormButtons({ submitLabel, submitTestId, pending, disabled = false, onCancel, failure }: DialogFormButtonsProps) {
  return (
    <>
      {failure?.of.isError && (
        <p role="alert" data-testid={failure.testId} className="text-sm text-crit">
          {describeError(failure.of.error, failure.text)}
        </p>
      )}
      <div className="flex justify-end gap-2">
      <button type="button" className={secondaryButton} onClick={onCancel} disabled={pending}>
        Cancel
      </button>
        <button type="submit" data-testid={submitTestId} className={primaryButton} disabled={pending || disabled}>
          {pending ? 'Saving…' : submitLabel}
        </button>
      </div>
    </>
  );
}
