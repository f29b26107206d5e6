import { useState, type FormEvent } from 'react';
import { onChoice, Options, SelectField, TextField } from '@/components/ui/Field';
import { FormFooter, useFormFields } from '@/components/ui/Form';
import { Panel } from '@/components/ui/Panel';
import { assignableRoles, isUserRole, ROLE_LABELS } from '@/lib/roles';
import type { User, UserRole } from '@/types/api';
import { useCreateUser } from '../api/create-user';

export function CreateUserForm({ actor }: { actor: User | null }) {
  const create = useCreateUser();
  const roles = assignableRoles(actor);
  const form = useFormFields({ username: '', email: '', password: '' });
  const [role, setRole] = useState<UserRole>('member');
  const [created, setCreated] = useState<string | null>(null);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    setCreated(null);
    const { username, email, password } = form.values;
    create.mutate(
      { username: username.trim(), email: email.trim(), password, role },
      {
        onSuccess: (user) => {
          setCreated(user.username);
          form.reset();
          setRole('member');
        },
      },
    );
  };

  return (
    <Panel title="Create a user">
      <form onSubmit={onSubmit} aria-label="Create a user" data-testid="user-create-form" className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <TextField label="Username" data-testid="user-create-username" autoComplete="off" required maxLength={150} {...form.bind('username')} />
          <TextField label="Email" optional data-testid="user-create-email" type="email" autoComplete="off" {...form.bind('email')} />
          <TextField label="Password" data-testid="user-create-password" type="password" autoComplete="new-password" required {...form.bind('password')} />
          <SelectField
            label="Role"
            data-testid="user-create-role"
            value={role}
            onChange={onChoice(isUserRole, setRole)}
          >
            <Options items={roles} value={(r) => r} label={(r) => ROLE_LABELS[r]} />
          </SelectField>
        </div>
        <FormFooter
          mutation={create}
          failure="The user could not be created."
          notice={created && `User ${created} created. Members see no hosts until you give them access to a host group.`}
          labels={['Create user', 'Creating…']}
          testIds={{ submit: 'user-create', error: 'user-create-error', notice: 'user-create-message' }}
        />
      </form>
    </Panel>
  );
}
