import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { inputClass, labelClass, primaryButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { LiveError, useLiveState } from '@/lib/live';
import { canOperateHost, isAdministrator } from '@/lib/roles';
import { useSession } from '@/lib/session';
import { withParams } from '@/lib/url-params';
import type { ToolName } from '@/types/jobs';
import { useCancelJob } from '../api/cancel-job';
import { useHosts } from '@/lib/queries/hosts';
import { useJob } from '../api/get-job';
import { useMe } from '@/lib/queries/me';
import { useStartJob } from '../api/start-job';
import { useJobStream } from '../hooks/use-job-stream';
import {
  TOOL_ORDER,
  TOOL_SPECS,
  buildParams,
  isToolName,
  validate,
  valuesFromParams,
  type FormValue,
  type FormValues,
} from '../tool-specs';
import { JobPanel } from './JobPanel';
import { PastRuns } from './PastRuns';
import { ToolForm } from './ToolForm';

function errorText(error: unknown): string {
  if (error instanceof LiveError) return error.message;
  return describeError(error, 'The hub refused to start the tool.');
}

export function ToolsPage() {
  const [search, setSearch] = useSearchParams();
  const hostParam = search.get('host');
  const toolParam = search.get('tool');
  const jobParam = search.get('job');
  const tool: ToolName = isToolName(toolParam) ? toolParam : 'ping';
  const spec = TOOL_SPECS[tool];

  const session = useSession();
  const me = useMe();
  // Refreshed now and then so the picker's online state stays current.
  const hosts = useHosts({ refetchInterval: 15_000 });
  const liveState = useLiveState();
  const sortedHosts = useMemo(
    () => [...(hosts.data ?? [])].sort((a, b) => a.hostname.localeCompare(b.hostname)),
    [hosts.data],
  );
  const host = sortedHosts.find((h) => h.id === hostParam) ?? null;
  const hostId = host?.id ?? null;

  const stream = useJobStream(hostId);
  const detail = useJob(jobParam);
  const { ingest } = stream;
  const start = useStartJob();
  const cancel = useCancelJob();
  const [forms, setForms] = useState<Partial<Record<ToolName, FormValues>>>({});
  const [showErrors, setShowErrors] = useState(false);

  const update = useCallback(
    (changes: Record<string, string | null>) => {
      setSearch((current) => withParams(current, changes), { replace: true });
    },
    [setSearch],
  );

  // No host chosen (or one the user cannot see): start with the first online one.
  useEffect(() => {
    if (!hosts.data || host || jobParam) return;
    const first = sortedHosts.find((h) => h.online) ?? sortedHosts[0];
    if (first) update({ host: first.id });
  }, [hosts.data, sortedHosts, host, jobParam, update]);

  useEffect(() => {
    if (detail.data) ingest(detail.data);
  }, [detail.data, ingest]);

  // A job opened by link belongs to its host: follow it there, so its live frames arrive.
  const jobHost = detail.data?.host ?? null;
  useEffect(() => {
    if (jobHost !== null && jobHost !== hostParam) update({ host: jobHost });
  }, [jobHost, hostParam, update]);

  const user = me.data ?? session.user;
  const accessKnown = isAdministrator(session.user) || me.data !== undefined;
  const operable = canOperateHost(user, host);
  const values = forms[tool] ?? spec.defaults;
  const errors = validate(spec, values);
  const hasErrors = Object.keys(errors).length > 0;

  const runBlock: string | null = !host
    ? 'Choose a host.'
    : !accessKnown
      ? 'Checking your access…'
      : !operable
        ? 'Operators can run tools'
        : !host.online
          ? `${host.hostname} is offline: its agent cannot run tools now.`
          : null;

  const setValue = (name: string, value: FormValue) => {
    setForms((current) => ({ ...current, [tool]: { ...(current[tool] ?? spec.defaults), [name]: value } }));
  };

  const onRun = (event: FormEvent) => {
    event.preventDefault();
    setShowErrors(true);
    if (!hostId || runBlock || hasErrors || start.isPending) return;
    update({ job: null });
    start.mutate(
      { hostId, tool, params: buildParams(spec, values) },
      {
        onSuccess: (job) => {
          ingest({ ...job, rows: [] });
          setShowErrors(false);
          update({ job: job.id });
        },
      },
    );
  };

  const openJob = (jobId: string) => {
    start.reset();
    cancel.reset();
    update({ job: jobId });
  };

  const state = jobParam ? stream.jobs[jobParam] : undefined;
  const shownJob = state?.job ?? (detail.data && detail.data.id === jobParam ? detail.data : null);
  const shownItems = state?.items ?? detail.data?.rows ?? [];

  if (hosts.isPending) return <Spinner label="Loading hosts…" />;
  if (hosts.isError) return <Alert>Could not load hosts: {hosts.error.message}</Alert>;

  return (
    <div data-testid="tools-page" className="space-y-4">
      <header className="flex flex-wrap items-baseline justify-between gap-3">
        <h1 className="text-2xl font-semibold text-fg">Tools</h1>
        {host && (
          <Link to={`/hosts/${encodeURIComponent(host.id)}`} className="text-sm text-accent hover:underline">
            {host.hostname} →
          </Link>
        )}
      </header>

      {sortedHosts.length === 0 ? (
        <Alert tone="info">No hosts yet: enrol an agent first, or ask an administrator for access to a group.</Alert>
      ) : (
        <Panel title="Run a tool">
          <form noValidate onSubmit={onRun} className="space-y-4">
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
              <div className="sm:col-span-2">
                <label htmlFor="tool-host" className={`${labelClass} mb-1`}>
                  Host
                </label>
                <div className="flex items-center gap-2">
                  <select
                    id="tool-host"
                    data-testid="tool-host"
                    className={inputClass}
                    value={hostId ?? ''}
                    onChange={(e) => {
                      start.reset();
                      cancel.reset();
                      update({ host: e.target.value, job: null });
                    }}
                  >
                    {!host && <option value="">Choose a host…</option>}
                    {sortedHosts.map((h) => (
                      <option key={h.id} value={h.id} disabled={!h.online} data-online={h.online}>
                        {h.online ? h.hostname : `${h.hostname} (offline: agent not connected)`}
                      </option>
                    ))}
                  </select>
                  {host && <StatusBadge status={host.online ? 'online' : 'offline'} testId="tool-host-state" />}
                </div>
              </div>
              <div className="sm:col-span-2">
                <label htmlFor="tool-name" className={`${labelClass} mb-1`}>
                  Tool
                </label>
                <select
                  id="tool-name"
                  data-testid="tool-name"
                  className={inputClass}
                  value={tool}
                  onChange={(e) => {
                    setShowErrors(false);
                    start.reset();
                    update({ tool: e.target.value });
                  }}
                >
                  {TOOL_ORDER.map((name) => (
                    <option key={name} value={name}>
                      {TOOL_SPECS[name].label}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <p className="text-sm text-muted">
              {spec.summary}
              {spec.scoped && " Targets must be inside the agent's scope (its own subnets unless configured otherwise)."}
            </p>
            <ToolForm spec={spec} values={values} errors={showErrors ? errors : {}} disabled={false} onChange={setValue} />
            <div className="flex flex-wrap items-center gap-3">
              <button
                type="submit"
                data-testid="tool-run"
                className={primaryButton}
                disabled={runBlock !== null || start.isPending}
                title={runBlock ?? undefined}
              >
                {start.isPending ? 'Starting…' : 'Run'}
              </button>
              <button
                type="button"
                className="text-sm text-muted hover:text-fg hover:underline"
                onClick={() => {
                  setShowErrors(false);
                  setForms((current) => ({ ...current, [tool]: spec.defaults }));
                }}
              >
                Reset to defaults
              </button>
              {runBlock && (
                <span data-testid="tool-run-note" className="text-sm text-muted">
                  {runBlock}
                </span>
              )}
              {!runBlock && liveState !== 'live' && (
                <span className="text-xs text-muted">Live connection down: the run is sent over HTTP and progress shows on reload.</span>
              )}
            </div>
            {start.isError && (
              <Alert testId="tool-error">
                <span className="whitespace-pre-wrap break-words">{errorText(start.error)}</span>
              </Alert>
            )}
          </form>
        </Panel>
      )}

      {jobParam && !shownJob && detail.isPending && <Spinner label="Loading the run…" />}
      {jobParam && !shownJob && detail.isError && <Alert>Could not load the run: {describeError(detail.error)}</Alert>}
      {shownJob && (
        <JobPanel
          job={shownJob}
          items={shownItems}
          hostname={sortedHosts.find((h) => h.id === shownJob.host)?.hostname ?? shownJob.host}
          refusal={state?.refusal ?? null}
          canCancel={operable}
          cancelPending={cancel.isPending}
          cancelError={cancel.error}
          onCancel={() => {
            stream.clearRefusal(shownJob.id);
            cancel.mutate(shownJob.id);
          }}
          onReuse={
            isToolName(shownJob.tool)
              ? () => {
                  const name = shownJob.tool as ToolName;
                  setForms((current) => ({ ...current, [name]: valuesFromParams(TOOL_SPECS[name], shownJob.params) }));
                  setShowErrors(false);
                  update({ tool: name });
                  window.scrollTo({ top: 0, behavior: 'smooth' });
                }
              : null
          }
        />
      )}

      {host && (
        <Panel title={`Past runs on ${host.hostname}`}>
          <PastRuns hostId={host.id} selectedId={jobParam} onOpen={openJob} />
        </Panel>
      )}
    </div>
  );
}
