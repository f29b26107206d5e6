import { Alert } from '@/components/ui/Alert';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { describeError } from '@/lib/api';
import { hasGroupAccessList, ROLE_LABELS } from '@/lib/roles';
import type { User } from '@/types/api';
import { useProfile } from '../api/get-profile';
import { ApiTokensPanel } from './ApiTokensPanel';
import { PasswordForm } from './PasswordForm';
import { ProfileForm } from './ProfileForm';
import { ThemeChoice } from './ThemeChoice';

export function AccountPage() {
  const profile = useProfile();

  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <h1 className="text-xl font-semibold text-fg">Account</h1>
      {profile.isPending && <Spinner label="Loading your account…" />}
      {profile.isError && <Alert>{describeError(profile.error, 'Your account could not be loaded.')}</Alert>}
      {profile.data && (
        <>
          <ProfileForm key={profile.data.id} user={profile.data} />
          <ThemeChoice />
          <PasswordForm />
          <AccessSummary user={profile.data} />
          <ApiTokensPanel />
        </>
      )}
    </div>
  );
}

function AccessSummary({ user }: { user: User }) {
  const access = user.access ?? [];
  return (
    <Panel title="Access">
      <p className="text-sm text-fg">
        Role: <span className="font-medium">{ROLE_LABELS[user.role]}</span>
      </p>
      {hasGroupAccessList(user) ? (
        access.length > 0 ? (
          <ul className="mt-2 space-y-1 text-sm text-fg">
            {access.map((entry) => (
              <li key={entry.group_id}>
                {entry.group} <span className="text-muted">({entry.role})</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-2 text-sm text-muted">You have no access to any host group yet; ask an administrator.</p>
        )
      ) : (
        <p className="mt-2 text-sm text-muted">Owners and admins see and manage every host.</p>
      )}
    </Panel>
  );
}
