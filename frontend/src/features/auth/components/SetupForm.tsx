import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { SubmitButton, useFormFields } from '@/components/ui/Form';
import { describeError, isApiError } from '@/lib/api';
import { useCreateOwner } from '../api/create-owner';
import { setupStatusQueryOptions } from '../api/get-setup-status';
import { AuthTextField } from './AuthTextField';
import { authSubmitButton } from './styles';

/** First run: nobody can sign in yet, so the first visitor creates the owner account. */
export function SetupForm() {
  const createOwner = useCreateOwner();
  const queryClient = useQueryClient();
  const form = useFormFields({ username: '', email: '', password: '', confirm: '' });
  const [mismatch, setMismatch] = useState(false);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (createOwner.isPending) return;
    const { username, email, password, confirm } = form.values;
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    createOwner.mutate({ username: username.trim(), email: email.trim(), password });
  };

  const alreadyDone = isApiError(createOwner.error) && createOwner.error.status === 409;
  let error: string | null = null;
  if (mismatch) error = 'The two passwords do not match.';
  else if (createOwner.isError) error = describeError(createOwner.error, 'The owner account could not be created.');

  return (
    <form
      onSubmit={onSubmit}
      className="space-y-4 rounded-lg border border-border bg-surface p-6 shadow-sm"
      aria-labelledby="setup-title"
      data-testid="setup-form"
    >
      <div className="space-y-1">
        <h1 id="setup-title" className="text-lg font-semibold text-fg">
          Create the owner account
        </h1>
        <p className="text-sm text-muted">
          This hub has no users yet. The owner manages everything, including other users.
        </p>
      </div>
      {error && (
        <Alert testId="setup-error">
          {error}
          {alreadyDone && (
            <>
              {' '}
              <button
                type="button"
                className="font-medium underline"
                onClick={() => void queryClient.invalidateQueries({ queryKey: setupStatusQueryOptions.queryKey })}
              >
                Go to sign in
              </button>
            </>
          )}
        </Alert>
      )}
      <AuthTextField label="Username" data-testid="setup-username" name="username" autoComplete="username" autoFocus required maxLength={150} {...form.bind('username')} />
      <AuthTextField label="Email" optional data-testid="setup-email" name="email" type="email" autoComplete="email" {...form.bind('email')} />
      <AuthTextField label="Password" data-testid="setup-password" name="new-password" type="password" autoComplete="new-password" required {...form.bind('password')} />
      <AuthTextField
        label="Confirm password"
        data-testid="setup-password-confirm"
        name="confirm-password"
        type="password"
        autoComplete="new-password"
        required
        aria-invalid={mismatch || undefined}
        {...form.bind('confirm')}
      />
      <SubmitButton
        pending={createOwner.isPending}
        labels={['Create owner account', 'Creating…']}
        testId="setup-submit"
        className={authSubmitButton}
      />
    </form>
  );
}
