import { useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { secondaryButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { isAdministrator } from '@/lib/roles';
import { useSession } from '@/lib/session';
import { useAuditEvents, type AuditFilters } from '../api/get-audit-events';
import { AuditFilterForm } from './AuditFilterForm';
import { AuditTable } from './AuditTable';

export function AuditPage() {
  const { user } = useSession();
  if (!isAdministrator(user)) {
    return <Alert>Only owners and admins can read the audit log.</Alert>;
  }
  return <AuditLog />;
}

function AuditLog() {
  const [filters, setFilters] = useState<AuditFilters>({});
  const audit = useAuditEvents(filters);
  const events = audit.data?.pages.flatMap((page) => page.results) ?? [];

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold text-fg">Audit log</h1>
      <Panel title="Filters">
        <AuditFilterForm onChange={setFilters} />
      </Panel>
      <Panel
        title="Events, newest first"
        testId="audit-panel"
        actions={audit.isFetching && !audit.isFetchingNextPage ? <span className="text-xs text-muted">Updating…</span> : undefined}
      >
        {audit.isPending && <Spinner label="Loading the audit log…" />}
        {audit.isError && <Alert>{describeError(audit.error, 'The audit log could not be loaded.')}</Alert>}
        {audit.data &&
          (events.length === 0 ? (
            <p className="text-sm text-muted" data-testid="audit-empty">
              No event matches these filters.
            </p>
          ) : (
            <AuditTable events={events} />
          ))}
        {audit.hasNextPage && (
          <div className="mt-3 flex justify-center">
            <button
              type="button"
              data-testid="audit-load-more"
              className={secondaryButton}
              disabled={audit.isFetchingNextPage}
              onClick={() => void audit.fetchNextPage()}
            >
              {audit.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </Panel>
    </div>
  );
}
