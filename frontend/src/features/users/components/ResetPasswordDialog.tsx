import { useState, type FormEvent } from 'react';
import { Dialog, DialogFormButtons, type EditDialogProps } from '@/components/ui/Dialog';
import { TextField } from '@/components/ui/Field';
import type { User } from '@/types/api';
import { useResetUserPassword } from '../api/reset-user-password';

type ResetPasswordDialogProps = EditDialogProps & { user: User };

export function ResetPasswordDialog({ user, open, onClose, onDone }: ResetPasswordDialogProps) {
  const reset = useResetUserPassword();
  const [password, setPassword] = useState('');

  const close = () => {
    setPassword('');
    reset.reset();
    onClose();
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (reset.isPending) return;
    reset.mutate(
      { id: user.id, password },
      {
        onSuccess: () => {
          setPassword('');
          reset.reset();
          onDone();
        },
      },
    );
  };

  return (
    <Dialog open={open} title={`Reset the password of ${user.username}`} onClose={close} busy={reset.isPending} testId="user-password-dialog">
      <form onSubmit={onSubmit} className="space-y-3">
        <p className="text-sm text-muted">Their current sessions end; tell them the new password another way.</p>
        <TextField
          label="New password"
          data-testid="user-password-input"
          type="password"
          autoComplete="new-password"
          required
          autoFocus
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <DialogFormButtons
          failure={{ of: reset, text: 'The password could not be reset.', testId: 'user-password-error' }}
          submitLabel="Set password"
          submitTestId="user-password-submit"
          pending={reset.isPending}
          onCancel={close}
        />
      </form>
    </Dialog>
  );
}
