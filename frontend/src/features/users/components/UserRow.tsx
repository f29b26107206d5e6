import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { dangerButton, smallButton, tdClass } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import { assignableRoles, hasGroupAccessList, isUserRole, ROLE_LABELS } from '@/lib/roles';
import { useRowDialogs } from '@/lib/use-row-dialogs';
import type { User } from '@/types/api';
import { useDeleteUser } from '../api/delete-user';
import { useUnlockUser } from '../api/unlock-user';
import { useUpdateUser } from '../api/update-user';
import { AccessDialog } from './AccessDialog';
import { ResetPasswordDialog } from './ResetPasswordDialog';

type OpenDialog = 'password' | 'access' | 'delete';

interface UserRowProps {
  user: User;
  actor: User | null;
}

export function UserRow({ user, actor }: UserRowProps) {
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const unlock = useUnlockUser();
  const dialogs = useRowDialogs<OpenDialog>();
  const { dialog, notice, setNotice } = dialogs;
  const isSelf = actor !== null && actor.id === user.id;

  // The user's current role is always listed, even when the actor may not grant it.
  const roles = assignableRoles(actor);
  const roleChoices = roles.includes(user.role) ? roles : [user.role, ...roles];
  const fullName = [user.first_name, user.last_name].filter(Boolean).join(' ');
  const lastLogin = parseIso(user.last_login);
  const failures = user.login_failures ?? 0;

  const patch = (changes: Parameters<typeof update.mutate>[0]['changes'], done: string) => {
    setNotice(null);
    update.mutate({ id: user.id, changes }, { onSuccess: () => setNotice(done) });
  };

  const closeDelete = () => {
    remove.reset();
    dialogs.close();
  };

  return (
    <tr data-testid="user-row" data-username={user.username} data-active={user.is_active} className={user.is_active ? '' : 'opacity-70'}>
      <td className={tdClass}>
        <div className="font-medium">
          {user.username}
          {isSelf && <span className="ml-1 text-xs font-normal text-muted">(you)</span>}
        </div>
        {fullName && <div className="text-xs text-muted">{fullName}</div>}
      </td>
      <td className={`${tdClass} break-all`}>{user.email || <span className="text-muted">–</span>}</td>
      <td className={tdClass}>
        {isSelf ? (
          // Nobody changes their own role (the hub refuses it too): another owner must.
          <span data-testid="user-role" data-role={user.role} title="Another owner can change your role">
            {ROLE_LABELS[user.role]}
          </span>
        ) : (
          <>
            <label className="sr-only" htmlFor={`user-role-${user.id}`}>
              Role of {user.username}
            </label>
            <select
              id={`user-role-${user.id}`}
              data-testid="user-role"
              value={user.role}
              disabled={update.isPending || roleChoices.length < 2}
              onChange={(e) => {
                const role = e.target.value;
                if (isUserRole(role)) patch({ role }, `Role changed to ${ROLE_LABELS[role]}.`);
              }}
              className="rounded-md border border-border bg-bg px-2 py-1 text-sm text-fg disabled:opacity-60"
            >
              {roleChoices.map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          </>
        )}
      </td>
      <td className={tdClass}>
        <span
          data-testid="user-active"
          className={`inline-flex items-center gap-1.5 rounded-full border border-border px-2 py-0.5 text-xs font-medium ${
            user.is_active ? 'text-ok' : 'text-muted'
          }`}
        >
          <span aria-hidden="true" className={`h-2 w-2 rounded-full ${user.is_active ? 'bg-ok' : 'bg-muted'}`} />
          {user.is_active ? 'active' : 'disabled'}
        </span>
        {failures > 0 && (
          <div data-testid="user-login-failures" className="mt-1 text-xs text-warn">
            {failures} recent failed login{failures === 1 ? '' : 's'}
          </div>
        )}
      </td>
      <td className={`${tdClass} whitespace-nowrap`}>
        {lastLogin === null ? (
          <span data-testid="user-last-login" className="text-muted">
            never
          </span>
        ) : (
          <time data-testid="user-last-login" dateTime={user.last_login ?? undefined}>
            {formatDateTime(lastLogin)}
          </time>
        )}
      </td>
      <td className={tdClass}>
        {!hasGroupAccessList(user) ? (
          <span className="text-muted">all hosts</span>
        ) : (user.access ?? []).length === 0 ? (
          <span className="text-muted">none</span>
        ) : (
          <ul className="space-y-0.5" data-testid="user-groups">
            {(user.access ?? []).map((a) => (
              <li key={a.group_id}>
                {a.group} <span className="text-xs text-muted">{a.role}</span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className={tdClass}>
        <div className="flex flex-wrap gap-1.5">
          {!isSelf && (
            <button
              type="button"
              data-testid="user-disable"
              className={user.is_active ? dangerButton : smallButton}
              disabled={update.isPending}
              onClick={() =>
                patch({ is_active: !user.is_active }, user.is_active ? 'User disabled; their sessions have ended.' : 'User enabled.')
              }
            >
              {user.is_active ? 'Disable' : 'Enable'}
            </button>
          )}
          {failures > 0 && (
            <button
              type="button"
              data-testid="user-unlock"
              className={smallButton}
              disabled={unlock.isPending}
              title="Forget this user's failed logins from every address, so a throttled login works again"
              onClick={() => {
                setNotice(null);
                unlock.mutate(user.id, { onSuccess: () => setNotice('Login unlocked; failed logins forgotten.') });
              }}
            >
              Unlock login
            </button>
          )}
          <button type="button" data-testid="user-reset-password" className={smallButton} onClick={() => dialogs.open('password')}>
            Reset password
          </button>
          <button type="button" data-testid="user-edit-access" className={smallButton} onClick={() => dialogs.open('access')}>
            Access
          </button>
          {!isSelf && (
            <button type="button" data-testid="user-delete" className={dangerButton} onClick={() => dialogs.open('delete')}>
              Delete
            </button>
          )}
        </div>
        {update.isError && (
          <p role="alert" data-testid="user-error" className="mt-1.5 text-xs text-crit">
            {describeError(update.error, 'The change was refused.')}
          </p>
        )}
        {unlock.isError && (
          <p role="alert" data-testid="user-unlock-error" className="mt-1.5 text-xs text-crit">
            {describeError(unlock.error, 'The unlock was refused.')}
          </p>
        )}
        {notice && !update.isError && !unlock.isError && (
          <p role="status" data-testid="user-message" className="mt-1.5 text-xs text-muted">
            {notice}
          </p>
        )}
        <ResetPasswordDialog
          user={user}
          {...dialogs.props('password', 'Password reset; their sessions have ended.')}
        />
        <AccessDialog
          user={user}
          {...dialogs.props('access', 'Access saved.')}
        />
        <ConfirmDialog
          open={dialog === 'delete'}
          title={`Delete ${user.username}?`}
          confirmLabel="Delete user"
          pending={remove.isPending}
          error={remove.isError ? describeError(remove.error, 'The user could not be deleted.') : null}
          onCancel={closeDelete}
          onConfirm={() => remove.mutate(user.id, { onSuccess: dialogs.close })}
        >
          The account is removed for good and its sessions end. Its entries in the audit log stay. To keep the account
          but stop its access, disable it instead.
        </ConfirmDialog>
      </td>
    </tr>
  );
}
