import type { FormEvent } from 'react';
import { TextField } from '@/components/ui/Field';
import { FormFooter, useFormFields } from '@/components/ui/Form';
import { Panel } from '@/components/ui/Panel';
import type { User } from '@/types/api';
import { useUpdateProfile } from '../api/update-profile';

export function ProfileForm({ user }: { user: User }) {
  const update = useUpdateProfile();
  const form = useFormFields({ email: user.email, first_name: user.first_name, last_name: user.last_name });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending) return;
    const { email, first_name, last_name } = form.values;
    update.mutate({ email: email.trim(), first_name: first_name.trim(), last_name: last_name.trim() });
  };

  return (
    <Panel title="Profile">
      <form onSubmit={onSubmit} className="space-y-3" aria-label="Profile">
        <p className="text-sm text-muted">
          Signed in as <span className="font-medium text-fg">{user.username}</span>
        </p>
        <TextField label="Email" data-testid="account-email" type="email" autoComplete="email" {...form.bind('email')} />
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField label="First name" data-testid="account-first-name" autoComplete="given-name" maxLength={150} {...form.bind('first_name')} />
          <TextField label="Last name" data-testid="account-last-name" autoComplete="family-name" maxLength={150} {...form.bind('last_name')} />
        </div>
        <FormFooter
          mutation={update}
          failure="The profile could not be saved."
          notice={update.isSuccess && 'Profile saved.'}
          labels={['Save', 'Saving…']}
          testIds={{ submit: 'account-save', error: 'account-message', notice: 'account-message' }}
        />
      </form>
    </Panel>
  );
}
