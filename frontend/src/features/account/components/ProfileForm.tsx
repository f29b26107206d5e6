import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { TextField } from '@/components/ui/Field';
import { Panel } from '@/components/ui/Panel';
import { primaryButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import type { User } from '@/types/api';
import { useUpdateProfile } from '../api/update-profile';

export function ProfileForm({ user }: { user: User }) {
  const update = useUpdateProfile();
  const [email, setEmail] = useState(user.email);
  const [firstName, setFirstName] = useState(user.first_name);
  const [lastName, setLastName] = useState(user.last_name);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending) return;
    update.mutate({ email: email.trim(), first_name: firstName.trim(), last_name: lastName.trim() });
  };

  return (
    <Panel title="Profile">
      <form onSubmit={onSubmit} className="space-y-3" aria-label="Profile">
        <p className="text-sm text-muted">
          Signed in as <span className="font-medium text-fg">{user.username}</span>
        </p>
        <TextField
          label="Email"
          data-testid="account-email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField
            label="First name"
            data-testid="account-first-name"
            autoComplete="given-name"
            maxLength={150}
            value={firstName}
            onChange={(e) => setFirstName(e.target.value)}
          />
          <TextField
            label="Last name"
            data-testid="account-last-name"
            autoComplete="family-name"
            maxLength={150}
            value={lastName}
            onChange={(e) => setLastName(e.target.value)}
          />
        </div>
        {update.isError && <Alert testId="account-message">{describeError(update.error, 'The profile could not be saved.')}</Alert>}
        {update.isSuccess && (
          <Alert tone="info" testId="account-message">
            Profile saved.
          </Alert>
        )}
        <button type="submit" data-testid="account-save" disabled={update.isPending} className={primaryButton}>
          {update.isPending ? 'Saving…' : 'Save'}
        </button>
      </form>
    </Panel>
  );
}
