import { useState, type ChangeEvent, type ReactNode } from 'react';
import { describeError } from '@/lib/api';
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
  /** The request the form sends: the button waits for it, its error is shown. */
  mutation: { isPending: boolean; isError: boolean; error: unknown };
  /** What the error says when the hub gives no reason. */
  failure: string;
  /** An error found before sending (it replaces the request's). */
  invalid?: string | null;
  /** A note on success, shown when there is no error. */
  notice?: ReactNode;
  /** The button's text, and its text while the request is on its way. */
  labels: readonly [string, string];
  /** The test ids of the button, the error and the notice. */
  testIds: { submit: string; error?: string; notice?: string };
  /** The button is disabled also when this is true. */
  disabled?: boolean;
  buttonClassName?: string;
}

/** A form's last lines: what went wrong (or right), then its submit button. */
export function FormFooter({ mutation, failure, invalid, notice, labels, testIds, disabled = false, buttonClassName = primaryButton }: FormFooterProps) {
  const error = invalid || (mutation.isError ? describeError(mutation.error, failure) : null);
  return (
    <>
      {error ? (
        <Alert testId={testIds.error}>{error}</Alert>
      ) : (
        notice && (
          <Alert tone="info" testId={testIds.notice}>
            {notice}
          </Alert>
        )
      )}
      <SubmitButton pending={mutation.isPending} labels={labels} testId={testIds.submit} disabled={disabled} className={buttonClassName} />
    </>
  );
}

interface SubmitButtonProps {
  pending: boolean;
  /** Its text, and its text while the form is being sent. */
  labels: readonly [string, string];
  testId: string;
  disabled?: boolean;
  className?: string;
}

/** A form's submit button, disabled (and saying so) while the form is being sent. */
export function SubmitButton({ pending, labels, testId, disabled = false, className = primaryButton }: SubmitButtonProps) {
  return (
    <button type="submit" data-testid={testId} disabled={pending || disabled} className={className}>
      {pending ? labels[1] : labels[0]}
    </button>
  );
}
