import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { TextField } from '@/components/ui/Field';
import { Panel } from '@/components/ui/Panel';
import { primaryButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { useChangePassword } from '../api/change-password';

type Message = { tone: 'error' | 'info'; text: string } | null;

export function PasswordForm() {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [message, setMessage] = useState<Message>(null);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (change.isPending) return;
    if (next !== confirm) {
      setMessage({ tone: 'error', text: 'The new password and its confirmation do not match.' });
      return;
    }
    setMessage(null);
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent('');
          setNext('');
          setConfirm('');
          setMessage({ tone: 'info', text: 'Password changed. Your other sessions have been signed out.' });
        },
        onError: (error) => setMessage({ tone: 'error', text: describeError(error, 'The password could not be changed.') }),
      },
    );
  };

  return (
    <Panel title="Change password">
      <form onSubmit={onSubmit} className="space-y-3" aria-label="Change password">
        <TextField
          label="Current password"
          data-testid="password-current"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <TextField
          label="New password"
          data-testid="password-new"
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        <TextField
          label="Confirm new password"
          data-testid="password-confirm"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
        {message && (
          <Alert tone={message.tone} testId="password-message">
            {message.text}
          </Alert>
        )}
        <button type="submit" data-testid="password-submit" disabled={change.isPending} className={primaryButton}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </Panel>
  );
}
