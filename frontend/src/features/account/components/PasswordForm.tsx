import { useState, type FormEvent } from 'react';
import { TextField } from '@/components/ui/Field';
import { FormFooter, useFormFields } from '@/components/ui/Form';
import { Panel } from '@/components/ui/Panel';
import { useChangePassword } from '../api/change-password';

const EMPTY = { current: '', next: '', confirm: '' };

export function PasswordForm() {
  const change = useChangePassword();
  const form = useFormFields(EMPTY);
  const [mismatch, setMismatch] = useState(false);
  const [changed, setChanged] = useState(false);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (change.isPending) return;
    const { current, next, confirm } = form.values;
    setMismatch(next !== confirm);
    setChanged(false);
    if (next !== confirm) return;
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          form.reset();
          setChanged(true);
        },
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
          mutation={change}
          failure="The password could not be changed."
          invalid={mismatch ? 'The new password and its confirmation do not match.' : null}
          notice={changed && 'Password changed. Your other sessions have been signed out.'}
          labels={['Change password', 'Changing…']}
          testIds={{ submit: 'password-submit', error: 'password-message', notice: 'password-message' }}
        />
      </form>
    </Panel>
  );
}
