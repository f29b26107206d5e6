import { useState, type ChangeEvent, type ReactNode } from 'react';
import { Alert } from './Alert';
import { primaryButton } from './styles';

type Values = Record<string, string>;

/**
 * The text values of a form's inputs. `bind(name)` gives an input its value and onChange;
 * `onEdit` runs on every change (e.g. to clear a "saved" note).
 */
export function useFormFields<T extends Values>(initial: T, onEdit?: () => void) {
  const [values, setValues] = useState<T>(initial);
  const set = (name: keyof T, value: string) => {
    onEdit?.();
    setValues((current) => ({ ...current, [name]: value }));
  };
  return {
    values,
    set,
    bind: (name: keyof T) => ({
      value: values[name],
      onChange: (event: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => set(name, event.target.value),
    }),
    /** Back to the initial values (after a create, for the next one). */
    reset: () => setValues(initial),
  };
}

interface FormFooterProps {
  /** What went wrong, shown as an alert; none when null or empty. */
  error?: string | null;
  errorTestId?: string;
  /** A note on success, shown when there is no error. */
  notice?: ReactNode;
  noticeTestId?: string;
  submitLabel: string;
  /** What the button says while the form is being sent. */
  pendingLabel: string;
  submitTestId: string;
  pending: boolean;
  /** The button is disabled also when this is true. */
  disabled?: boolean;
  buttonClassName?: string;
  /** Shown beside the button. */
  children?: ReactNode;
}

/** A form's last lines: what went wrong (or right), then its submit button. */
export function FormFooter({
  error,
  errorTestId,
  notice,
  noticeTestId,
  submitLabel,
  pendingLabel,
  submitTestId,
  pending,
  disabled = false,
  buttonClassName = primaryButton,
  children,
}: FormFooterProps) {
  const button = (
    <button type="submit" data-testid={submitTestId} disabled={pending || disabled} className={buttonClassName}>
      {pending ? pendingLabel : submitLabel}
    </button>
  );
  return (
    <>
      {error ? (
        <Alert testId={errorTestId}>{error}</Alert>
      ) : (
        notice && (
          <Alert tone="info" testId={noticeTestId}>
            {notice}
          </Alert>
        )
      )}
      {children ? (
        <div className="flex flex-wrap items-center gap-2">
          {button}
          {children}
        </div>
      ) : (
        button
      )}
    </>
  );
}
