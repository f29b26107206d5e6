import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { isApiError } from '@/lib/api';
import { formatAgo, formatDateTime } from '@/lib/format';
import { hostStatus } from '@/lib/metrics';
import { useDocumentTitle } from '@/lib/document-title';
import { useNow } from '@/lib/use-now';
import type { HostHistory, HostInfo, Sample } from '@/types/api';
import { hostQueryOptions, useHost } from '../api/get-host';
import { useHostAlerts } from '../api/get-host-alerts';
import { useHostHistory } from '../api/get-host-history';
import { useRecentSamples } from '../api/get-host-samples';
import { useHostLive } from '../hooks/use-host-live';
import { CurrentStats } from './CurrentStats';
import { HostCharts } from './HostCharts';
import { alertBands } from './alert-bands';
import { HostAlertsBanner } from './HostAlertsBanner';
import { HostFacts } from './HostFacts';
import { HostNotices } from './HostNotices';
import { RangePicker } from './RangePicker';
import { frameFromHistory, frameFromSamples, type SeriesFrame } from './series-frame';
import { DiskIoTable } from './tables/DiskIoTable';
import { FailedUnits } from './tables/FailedUnits';
import { InterfaceTable } from './tables/InterfaceTable';
import { ListeningTable } from './tables/ListeningTable';
import { MountTable } from './tables/MountTable';
import { ProcessTable } from './tables/ProcessTable';
import { SensorTable } from './tables/SensorTable';
import { SessionTable } from './tables/SessionTable';
import { formatStep, rangeFromParams, rangeToParams, type TimeRange } from './time-range';

const WINDOW_MS = 5 * 60 * 1000;
const EMPTY_FRAME: SeriesFrame = { x: [], avg: new Map(), max: null };

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
  const queryClient = useQueryClient();
  const host = useHost(hostId);
  useDocumentTitle(host.data?.hostname ?? 'Host');
  const recent = useRecentSamples(hostId, WINDOW_MS);
  const live = useHostLive(hostId, recent.data, WINDOW_MS);
  const now = useNow(1000);
  const [params, setParams] = useSearchParams();
  // When a preset's window ends: the page's opening, or when the preset was last picked.
  const [presetEnd, setPresetEnd] = useState(() => Date.now());
  const paramsKey = params.toString();
  // Keyed by the string: useSearchParams hands out a new object on every render.
  const range = useMemo(() => rangeFromParams(new URLSearchParams(paramsKey), presetEnd), [paramsKey, presetEnd]);
  const setRange = useCallback(
    (next: TimeRange) => {
      if (next.key !== 'live' && next.key !== 'custom') setPresetEnd(next.window.end);
      setParams(rangeToParams(next));
    },
    [setParams],
  );
  const zoom = useCallback(
    (from: number, to: number) => setRange({ key: 'custom', window: { start: Math.floor(from * 1000), end: Math.ceil(to * 1000) } }),
    [setRange],
  );
  const history = useHostHistory(hostId, range.key === 'live' ? null : range.window);
  const alerts = useHostAlerts(hostId);
  const bands = useMemo(() => alertBands(alerts.data), [alerts.data]);

  useEffect(() => {
    // The hub ended this host's live data: ask again, which answers "not found" now.
    if (live.accessLost) void queryClient.invalidateQueries({ queryKey: hostQueryOptions(hostId).queryKey, exact: true });
  }, [live.accessLost, hostId, queryClient]);

  const interval = host.data?.collect_interval_ms ?? 1000;
  const liveFrame = useMemo(
    () => (range.key === 'live' ? frameFromSamples(live.samples, interval) : EMPTY_FRAME),
    [range.key, live.samples, interval],
  );
  const historyFrame = useMemo(() => (history.data ? frameFromHistory(history.data) : EMPTY_FRAME), [history.data]);
  // Stable between renders: a new array would make every chart redraw its 1,000 points each second.
  const rangeWindow = range.key === 'live' ? null : range.window;
  const historyRange = useMemo<[number, number]>(() => {
    if (history.data) return [history.data.from / 1000, history.data.to / 1000];
    return rangeWindow ? [rangeWindow.start / 1000, rangeWindow.end / 1000] : [0, 1];
  }, [history.data, rangeWindow]);

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
  const latest: Sample | null = live.samples[live.samples.length - 1] ?? host.data.latest;
  const restLatestAt = host.data.latest ? Math.min(host.data.latest.ts, now) : null;
  const lastSampleAt = live.lastSampleAt ?? restLatestAt;
  const status = hostStatus(info, lastSampleAt, live.watchingSince, now);
  const hasLive = live.lastSampleAt !== null && live.samples.length > 0;
  const windowEnd = hasLive ? now + live.clockOffset : (latest?.ts ?? now);
  const liveRange: [number, number] = [(windowEnd - WINDOW_MS) / 1000, windowEnd / 1000];
  const unavailable = new Set(latest?.unavailable ?? []);
  const restLatest = host.data.latest;

  const isLive = range.key === 'live';
  const frame = isLive ? liveFrame : historyFrame;
  const xRange = isLive ? liveRange : historyRange;

  return (
    <div data-testid="host-page" data-host-id={info.id} className="flex flex-col gap-4">
      <BackLink />
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="min-w-0 truncate text-2xl font-semibold text-fg">{info.hostname}</h1>
        <StatusBadge status={status} testId="host-online" />
        <Link
          to={`/tools?host=${encodeURIComponent(info.id)}`}
          data-testid="host-tools-link"
          className="ml-auto rounded-md border border-border px-2.5 py-1 text-sm text-fg hover:bg-surface-2"
        >
          Tools
        </Link>
      </header>
      {live.accessLost && <Alert>Your access to this host was removed; live data has stopped.</Alert>}
      {alerts.data && <HostAlertsBanner alerts={alerts.data} now={now} />}
      {/* On a phone the live figures and the first chart come first; the facts follow the charts. */}
      <div data-testid="host-facts" className="max-md:order-1">
        <HostFacts host={info} latest={latest} lastSeen={lastSampleAt} now={now} />
      </div>
      <HostNotices host={info} latest={latest} />
      <CurrentStats sample={latest} />

      <div className="flex flex-wrap items-center justify-between gap-3">
        <RangePicker value={range} onChange={setRange} />
        <RangeStatus live={isLive} history={history.data} fetching={history.isFetching} now={now} />
      </div>
      {isLive && recent.isError && (
        <Alert>Could not load the last 5 minutes: {recent.error.message}. Live data is still shown.</Alert>
      )}
      {!isLive && history.isError && <Alert>Could not load the history: {history.error.message}</Alert>}
      {!isLive && history.isPending && !history.data ? (
        <Spinner label="Loading history…" />
      ) : (
        <div className={!isLive && history.isPlaceholderData ? 'opacity-60 transition-opacity' : ''}>
          <HostCharts
            frame={frame}
            xRange={xRange}
            live={isLive}
            memoryTotal={latest?.memory.total ?? info.memory_total}
            swapTotal={latest?.swap.total ?? 0}
            unavailable={unavailable}
            bands={bands}
            onZoom={zoom}
          />
        </div>
      )}

      <h2 className="pt-2 text-lg font-semibold text-fg max-md:order-2">Now</h2>
      <div className="grid grid-cols-1 gap-4 max-md:order-2 xl:grid-cols-2">
        <ProcessTable processes={live.slow.processes ?? restLatest?.processes ?? null} unavailable={unavailable.has('processes')} />
        <ListeningTable sockets={live.slow.listening ?? restLatest?.listening ?? null} unavailable={unavailable.has('listening')} />
        <FailedUnits units={live.slow.failed_units ?? restLatest?.failed_units ?? null} unavailable={unavailable.has('systemd')} />
        <MountTable disks={latest?.disks ?? []} unavailable={unavailable.has('disks')} />
        <DiskIoTable disks={latest?.disk_io ?? []} unavailable={unavailable.has('disk_io')} />
        <InterfaceTable interfaces={latest?.net ?? []} unavailable={unavailable.has('net')} />
        <SessionTable sessions={live.slow.users ?? restLatest?.users ?? null} unavailable={unavailable.has('users')} />
        <SensorTable sensors={latest?.sensors ?? null} unavailable={unavailable.has('sensors')} />
      </div>
    </div>
  );
}

function RangeStatus({
  live,
  history,
  fetching,
  now,
}: {
  live: boolean;
  history: HostHistory | undefined;
  fetching: boolean;
  now: number;
}) {
  if (live) return <p className="text-xs text-muted">Live · 1 sample per collection interval</p>;
  if (!history) return <p className="text-xs text-muted">{fetching ? 'Loading…' : ''}</p>;
  // The charts start where the host's data does: say so, rather than leave the reader to wonder.
  const begins = history.data_start;
  return (
    <p className="text-xs text-muted" title={`${formatDateTime(history.from)} – ${formatDateTime(history.to)}`}>
      <span data-testid="history-resolution" data-step-ms={history.step_ms} data-tier={history.tier}>
        {formatStep(history.step_ms)} resolution
      </span>
      {begins !== null && begins >= history.from && (
        <span data-testid="history-data-start" data-ts={begins}>
          {' '}
          · data since {formatDateTime(begins)} ({formatAgo(begins, now)})
        </span>
      )}
      {begins === null && <span data-testid="history-data-start"> · no data from this host yet</span>}
      {fetching && ' · loading…'}
    </p>
  );
}
