import { Link, useParams } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { isApiError } from '@/lib/api';
import { hostStatus } from '@/lib/metrics';
import { useNow } from '@/lib/use-now';
import type { HostInfo } from '@/types/api';
import { useHost } from '../api/get-host';
import { useRecentSamples } from '../api/get-host-samples';
import { useHostLive } from '../hooks/use-host-live';
import { CoreList } from './CoreList';
import { CurrentStats } from './CurrentStats';
import { DiskTable } from './DiskTable';
import { HostCharts } from './HostCharts';
import { HostFacts } from './HostFacts';

const WINDOW_MS = 5 * 60 * 1000;

function BackLink() {
  return (
    <Link to="/" className="text-sm text-accent hover:underline">
      ← Fleet
    </Link>
  );
}

export function HostPage() {
  const { id = '' } = useParams();
  // A fresh view per host: its live window must not mix two hosts' samples.
  return <HostView key={id} hostId={id} />;
}

function HostView({ hostId }: { hostId: string }) {
  const host = useHost(hostId);
  const recent = useRecentSamples(hostId, WINDOW_MS);
  const live = useHostLive(hostId, recent.data, WINDOW_MS);
  const now = useNow(1000);

  if (host.isPending) return <Spinner label="Loading host…" />;
  if (host.isError) {
    const missing = isApiError(host.error) && (host.error.status === 404 || host.error.status === 403);
    return (
      <div className="space-y-4">
        <BackLink />
        <Alert>{missing ? 'Host not found, or you do not have access to it.' : `Could not load the host: ${host.error.message}`}</Alert>
      </div>
    );
  }

  const info: HostInfo = live.liveInfo ? { ...host.data, ...live.liveInfo } : host.data;
  const latest = live.samples[live.samples.length - 1] ?? host.data.latest;
  const restLatestAt = host.data.latest ? Math.min(host.data.latest.ts, now) : null;
  const lastSampleAt = live.lastSampleAt ?? restLatestAt;
  const status = hostStatus(info, lastSampleAt, live.watchingSince, now);
  const hasLive = live.lastSampleAt !== null && live.samples.length > 0;
  const windowEnd = hasLive ? now + live.clockOffset : (latest?.ts ?? now);
  const xRange: [number, number] = [(windowEnd - WINDOW_MS) / 1000, windowEnd / 1000];

  return (
    <div data-testid="host-page" data-host-id={info.id} className="space-y-4">
      <BackLink />
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="min-w-0 truncate text-2xl font-semibold text-fg">{info.hostname}</h1>
        <StatusBadge status={status} testId="host-online" />
      </header>
      <HostFacts host={info} latest={latest} lastSeen={lastSampleAt} now={now} />
      <CurrentStats sample={latest} />
      {recent.isError && <Alert>Could not load the last 5 minutes: {recent.error.message}. Live data is still shown.</Alert>}
      <HostCharts samples={live.samples} xRange={xRange} memoryTotal={latest?.memory.total ?? info.memory_total} />
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <CoreList perCore={latest?.cpu.per_core ?? []} />
        <DiskTable disks={latest?.disks ?? []} />
      </div>
    </div>
  );
}
