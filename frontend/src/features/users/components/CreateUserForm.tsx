import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { SelectField, TextField } from '@/components/ui/Field';
import { Panel } from '@/components/ui/Panel';
import { primaryButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { assignableRoles, isUserRole, ROLE_LABELS } from '@/lib/roles';
import type { User, UserRole } from '@/types/api';
import { useCreateUser } from '../api/create-user';

export function CreateUserForm({ actor }: { actor: User | null }) {
  const create = useCreateUser();
  const roles = assignableRoles(actor);
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<UserRole>('member');
  const [created, setCreated] = useState<string | null>(null);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    setCreated(null);
    create.mutate(
      { username: username.trim(), email: email.trim(), password, role },
      {
        onSuccess: (user) => {
          setCreated(user.username);
          setUsername('');
          setEmail('');
          setPassword('');
          setRole('member');
        },
      },
    );
  };

  return (
    <Panel title="Create a user">
      <form onSubmit={onSubmit} aria-label="Create a user" data-testid="user-create-form" className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <TextField
            label="Username"
            data-testid="user-create-username"
            autoComplete="off"
            required
            maxLength={150}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          <TextField
            label="Email"
            optional
            data-testid="user-create-email"
            type="email"
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <TextField
            label="Password"
            data-testid="user-create-password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <SelectField
            label="Role"
            data-testid="user-create-role"
            value={role}
            onChange={(e) => {
              if (isUserRole(e.target.value)) setRole(e.target.value);
            }}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </SelectField>
        </div>
        {create.isError && <Alert testId="user-create-error">{describeError(create.error, 'The user could not be created.')}</Alert>}
        {created && !create.isError && (
          <Alert tone="info" testId="user-create-message">
            User {created} created. Members see no hosts until you give them access to a host group.
          </Alert>
        )}
        <button type="submit" data-testid="user-create" disabled={create.isPending} className={primaryButton}>
          {create.isPending ? 'Creating…' : 'Create user'}
        </button>
      </form>
    </Panel>
  );
}
