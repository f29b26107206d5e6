import { memo, useCallback, useSyncExternalStore } from 'react';
import { Link } from 'react-router-dom';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { UsageBar, levelTextClass } from '@/components/ui/UsageBar';
import { formatBytes, formatDateTime, formatNumber, formatPercent, formatRate, formatTime } from '@/lib/format';
import { rootDisk, type HostStatus } from '@/lib/metrics';
import { fleetStore } from '../store/fleet-store';
import { lastSeenAt } from '../store/fleet-view';
import { AlertBadge, type HostAlertSummary } from './AlertBadge';

// Stale and offline tiles must stand out in a grid of hundreds: a coloured or dashed frame and
// a dimmed body, on top of the badge.
const FRAME: Record<HostStatus, string> = {
  online: 'border-border hover:border-accent/60',
  stale: 'border-warn ring-1 ring-warn/60',
  offline: 'border-dashed border-muted/70 bg-surface-2 hover:border-accent/60',
};

const BODY: Record<HostStatus, string> = {
  online: '',
  stale: 'opacity-80',
  offline: 'opacity-50 grayscale',
};

interface MetricRowProps {
  name: string;
  percent: number | null;
  detail?: string;
  testId?: string;
}

function MetricRow({ name, percent, detail, testId }: MetricRowProps) {
  return (
    <div className="space-y-1">
      <div className="flex items-baseline justify-between gap-2 text-xs">
        <span className="text-muted">{name}</span>
        <span className="min-w-0 truncate text-right tabular-nums">
          {detail && <span className="mr-2 text-muted">{detail}</span>}
          <span data-testid={testId} className={`font-semibold ${levelTextClass(percent)}`}>
            {formatPercent(percent)}
          </span>
        </span>
      </div>
      <UsageBar percent={percent} label={`${name} usage`} />
    </div>
  );
}

/** One host of the fleet grid, the whole card a link to its page; re-renders only when its own
 * host changes (the grid mounts only the cards on or near the screen). */
export const HostTile = memo(function HostTile({ hostId, alerts }: { hostId: string; alerts?: HostAlertSummary }) {
  const subscribe = useCallback((listener: () => void) => fleetStore.subscribeTile(hostId, listener), [hostId]);
  const tile = useSyncExternalStore(subscribe, () => fleetStore.getTile(hostId));
  if (!tile) return null;

  const { host, latest, status } = tile;
  const disk = latest ? rootDisk(latest) : null;
  const dim = BODY[status];
  const seen = lastSeenAt(tile);

  return (
    <Link
      to={`/hosts/${encodeURIComponent(host.id)}`}
      data-testid="host-tile"
      data-host-id={host.id}
      data-status={status}
      className={`flex h-full flex-col gap-3 rounded-lg border bg-surface p-4 text-fg transition-colors focus:outline-none focus-visible:border-accent focus-visible:ring-2 focus-visible:ring-accent overflow-hidden ${FRAME[status]}`}
    >
      <header className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="truncate text-sm font-semibold text-fg">{host.hostname}</h3>
          <p className="truncate text-xs text-muted" title={host.os}>
            {host.os || 'Unknown OS'}
          </p>
          <p className="truncate font-mono text-[11px] text-muted" title={host.addresses.join(', ')}>
            {host.addresses[0] ?? 'no address'}
            {host.addresses.length > 1 ? ` +${host.addresses.length - 1}` : ''}
          </p>
        </div>
        <div className="flex shrink-0 flex-col items-end gap-1">
          <StatusBadge status={status} testId="host-online" />
          {alerts && <AlertBadge summary={alerts} />}
        </div>
      </header>

      <div className={`space-y-2.5 ${dim}`}>
        <MetricRow name="CPU" percent={latest?.cpu.percent ?? null} testId="host-tile-cpu" />
        <MetricRow
          name="Memory"
          percent={latest?.memory.percent ?? null}
          detail={latest ? `${formatBytes(latest.memory.used)} / ${formatBytes(latest.memory.total)}` : undefined}
        />
        <MetricRow
          name={disk && disk.mount !== '/' ? `Disk ${disk.mount}` : 'Disk /'}
          percent={disk?.percent ?? null}
          detail={disk ? `${formatBytes(disk.used)} / ${formatBytes(disk.total)}` : undefined}
        />
      </div>

      <dl className={`grid grid-cols-2 gap-x-3 gap-y-1 text-xs tabular-nums ${dim}`}>
        <div className="flex justify-between gap-1">
          <dt className="text-muted">
            <span aria-hidden="true">↓</span> Rx
          </dt>
          <dd data-testid="host-tile-rx">{formatRate(tile.rx)}</dd>
        </div>
        <div className="flex justify-between gap-1">
          <dt className="text-muted">
            <span aria-hidden="true">↑</span> Tx
          </dt>
          <dd data-testid="host-tile-tx">{formatRate(tile.tx)}</dd>
        </div>
        <div className="col-span-2 flex justify-between gap-1">
          <dt className="text-muted">Load</dt>
          <dd>
            {latest
              ? `${formatNumber(latest.load.load1)} ${formatNumber(latest.load.load5)} ${formatNumber(latest.load.load15)}`
              : '–'}
          </dd>
        </div>
      </dl>

      <footer className="mt-auto flex flex-wrap justify-end gap-x-2 text-right text-[11px] text-muted">
        {status !== 'online' && (
          <span data-testid="host-tile-state-note" className={`font-medium ${status === 'stale' ? 'text-warn' : 'text-fg'}`}>
            {status === 'stale' ? 'No recent data' : 'Offline'}
            {!latest && seen !== null && (
              <>
                {' '}
                · last seen <span title={formatDateTime(seen)}>{formatTime(seen)}</span>
              </>
            )}
          </span>
        )}
        {latest ? (
          <span>
            Updated{' '}
            <time
              data-testid="host-tile-updated"
              data-ts={latest.ts}
              dateTime={new Date(latest.ts).toISOString()}
              title={formatDateTime(latest.ts)}
              className="tabular-nums"
            >
              {formatTime(latest.ts)}
            </time>
          </span>
        ) : (
          <span data-testid="host-tile-updated" data-ts="">
            No data received yet
          </span>
        )}
      </footer>
    </Link>
  );
});
