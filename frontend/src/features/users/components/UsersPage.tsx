import { Alert } from '@/components/ui/Alert';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { tableClass } from '@/components/ui/styles';
import { TableHead } from '@/components/ui/TableHead';
import { describeError } from '@/lib/api';
import { isAdministrator } from '@/lib/roles';
import { useSession } from '@/lib/session';
import { useUsers } from '../api/get-users';
import { CreateUserForm } from './CreateUserForm';
import { UserRow } from './UserRow';

export function UsersPage() {
  const { user: actor } = useSession();
  if (!isAdministrator(actor)) {
    return <Alert>Only owners and admins manage users.</Alert>;
  }
  return <UsersAdmin />;
}

function UsersAdmin() {
  const { user: actor } = useSession();
  const users = useUsers();

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold text-fg">Users</h1>
      <CreateUserForm actor={actor} />
      <Panel title="All users" testId="users-panel">
        {users.isPending && <Spinner label="Loading users…" />}
        {users.isError && <Alert>{describeError(users.error, 'The users could not be loaded.')}</Alert>}
        {users.data && (
          <div className="overflow-x-auto">
            <table className={tableClass} data-testid="users-table">
              <TableHead columns={['Username', 'Email', 'Role', 'Status', 'Last login', 'Host groups', 'Actions']} />
              <tbody>
                {users.data.map((user) => (
                  <UserRow key={user.id} user={user} actor={actor} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
    </div>
  );
}
