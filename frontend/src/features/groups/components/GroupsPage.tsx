import { Alert } from '@/components/ui/Alert';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { tableClass } from '@/components/ui/styles';
import { TableHead } from '@/components/ui/TableHead';
import { describeError } from '@/lib/api';
import { isAdministrator } from '@/lib/roles';
import { useSession } from '@/lib/session';
import { useHostGroupDetails } from '@/lib/queries/host-groups';
import { CreateGroupForm } from './CreateGroupForm';
import { GroupRow } from './GroupRow';

export function GroupsPage() {
  const { user } = useSession();
  if (!isAdministrator(user)) {
    return <Alert>Only owners and admins manage host groups.</Alert>;
  }
  return <GroupsAdmin />;
}

function GroupsAdmin() {
  const groups = useHostGroupDetails();

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold text-fg">Host groups</h1>
        <p className="text-sm text-muted">
          Members see the hosts of the groups they are given access to (on the Users page). A host may be in several groups.
        </p>
      </div>
      <CreateGroupForm />
      <Panel title="All host groups" testId="groups-panel">
        {groups.isPending && <Spinner label="Loading host groups…" />}
        {groups.isError && <Alert>{describeError(groups.error, 'The host groups could not be loaded.')}</Alert>}
        {groups.data && groups.data.length === 0 && (
          <p className="text-sm text-muted" data-testid="groups-empty">
            No host group yet. Create one above, then choose its hosts.
          </p>
        )}
        {groups.data && groups.data.length > 0 && (
          <div className="overflow-x-auto">
            <table className={tableClass} data-testid="groups-table">
              <TableHead columns={['Name', 'Hosts', 'Access', 'Actions']} />
              <tbody>
                {groups.data.map((group) => (
                  <GroupRow key={group.id} group={group} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
    </div>
  );
}
