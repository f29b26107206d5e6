import { useState, type FormEvent } from 'react';
import { TextField } from '@/components/ui/Field';
import { FormFooter, useFormFields } from '@/components/ui/Form';
import { Panel } from '@/components/ui/Panel';
import { describeError } from '@/lib/api';
import { useChangePassword } from '../api/change-password';

type Message = { tone: 'error' | 'info'; text: string } | null;

const EMPTY = { current: '', next: '', confirm: '' };

export function PasswordForm() {
  const change = useChangePassword();
  const form = useFormFields(EMPTY);
  const [message, setMessage] = useState<Message>(null);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (change.isPending) return;
    const { current, next, confirm } = form.values;
    if (next !== confirm) {
      setMessage({ tone: 'error', text: 'The new password and its confirmation do not match.' });
      return;
    }
    setMessage(null);
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          form.reset();
          setMessage({ tone: 'info', text: 'Password changed. Your other sessions have been signed out.' });
        },
        onError: (error) => setMessage({ tone: 'error', text: describeError(error, 'The password could not be changed.') }),
      },
    );
  };

  return (
    <Panel title="Change password">
      <form onSubmit={onSubmit} className="space-y-3" aria-label="Change password">
        <TextField label="Current password" data-testid="password-current" type="password" autoComplete="current-password" required {...form.bind('current')} />
        <TextField label="New password" data-testid="password-new" type="password" autoComplete="new-password" required {...form.bind('next')} />
        <TextField label="Confirm new password" data-testid="password-confirm" type="password" autoComplete="new-password" required {...form.bind('confirm')} />
        <FormFooter
          error={message?.tone === 'error' ? message.text : null}
          errorTestId="password-message"
          notice={message?.tone === 'info' && message.text}
          noticeTestId="password-message"
          submitLabel="Change password"
          pendingLabel="Changing…"
          submitTestId="password-submit"
          pending={change.isPending}
        />
      </form>
    </Panel>
  );
}
