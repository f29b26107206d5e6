import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { subscribeEnrolled } from '@/lib/live';
import type { CreatedEnrollmentToken, HostRef } from '../types';
import { agentsQueryOptions } from '../api/get-agents';
import { enrollmentTokensQueryOptions, useEnrollmentTokens } from '../api/get-enrollment-tokens';

function merged(first: HostRef[], second: HostRef[]): HostRef[] {
  const seen = new Set(first.map((host) => host.id));
  return [...first, ...second.filter((host) => !seen.has(host.id))];
}

/**
 * Step 3: "waiting for the agent…" until a host enrolls with this token. The hub's `enrolled`
 * frame says so at once; the token list's `enrolled_hosts` covers frames missed while offline.
 */
export function EnrollmentWatch({ created }: { created: CreatedEnrollmentToken }) {
  const queryClient = useQueryClient();
  const tokens = useEnrollmentTokens();
  const [heard, setHeard] = useState<HostRef[]>([]);

  useEffect(
    () =>
      subscribeEnrolled((event) => {
        if (event.type === 'enrolled' && event.token === created.id) {
          setHeard((hosts) => merged(hosts, [event.host]));
        }
        void queryClient.invalidateQueries({ queryKey: enrollmentTokensQueryOptions.queryKey });
        void queryClient.invalidateQueries({ queryKey: agentsQueryOptions.queryKey });
      }),
    [created.id, queryClient],
  );

  const listed = tokens.data?.find((token) => token.id === created.id)?.enrolled_hosts ?? [];
  const hosts = merged(listed, heard);
  const waitingFor = Math.max(0, created.uses_left - hosts.length);

  return (
    <section aria-labelledby="enroll-watch-title" data-testid="enroll-watch" className="space-y-2">
      <h3 id="enroll-watch-title" className="text-sm font-semibold text-fg">
        Step 3 · The host enrolls
      </h3>
      <ul className="space-y-1 text-sm" data-testid="enroll-enrolled">
        {hosts.map((host) => (
          <li key={host.id} className="flex items-center gap-2">
            <span aria-hidden="true" className="inline-block h-2 w-2 rounded-full bg-ok" />
            <span>
              <Link
                to={`/hosts/${encodeURIComponent(host.id)}`}
                data-testid="enroll-enrolled-host"
                className="font-medium text-accent underline-offset-2 hover:underline"
              >
                {host.hostname}
              </Link>{' '}
              enrolled
            </span>
          </li>
        ))}
      </ul>
      {/* Announced by screen readers as it changes: the one thing this step is for. */}
      <p role="status" aria-live="polite" className="text-sm text-muted" data-testid="enroll-waiting">
        {waitingFor > 0 &&
          (hosts.length === 0
            ? 'Waiting for the agent… this updates by itself as soon as the host enrolls.'
            : `Waiting for ${waitingFor === 1 ? 'one more host' : `${waitingFor} more hosts`}…`)}
        {waitingFor === 0 && hosts.length > 0 && 'Every use of this token is spent.'}
      </p>
    </section>
  );
}
