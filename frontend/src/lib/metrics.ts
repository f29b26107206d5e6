import type { DiskUsage, HostInfo, Sample } from '@/types/api';

export const WARNING_PERCENT = 70;
export const CRITICAL_PERCENT = 90;

export type Level = 'ok' | 'warning' | 'critical';

export function usageLevel(percent: number | null | undefined): Level {
  if (percent === null || percent === undefined) return 'ok';
  if (percent >= CRITICAL_PERCENT) return 'critical';
  if (percent >= WARNING_PERCENT) return 'warning';
  return 'ok';
}

/** The loopback interface only mirrors traffic the host sends itself; it is not network I/O. */
export function isLoopback(iface: string): boolean {
  return iface === 'lo' || iface.startsWith('lo:');
}

export function rootDisk(sample: Sample): DiskUsage | null {
  return sample.disks.find((d) => d.mount === '/') ?? sample.disks[0] ?? null;
}

export function totalNet(sample: Sample): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of sample.net) {
    if (isLoopback(n.iface)) continue;
    rx += n.rx_bps;
    tx += n.tx_bps;
  }
  return { rx, tx };
}

export type HostStatus = 'online' | 'stale' | 'offline';

/** How many collection intervals without a sample before a host counts as stale. */
export const STALE_INTERVALS = 3;

export function staleAfterMs(host: Pick<HostInfo, 'collect_interval_ms'>): number {
  const interval = host.collect_interval_ms > 0 ? host.collect_interval_ms : 1000;
  return STALE_INTERVALS * interval;
}

/**
 * The hub's `online` flag decides offline; an online host is stale when this tab has had no
 * sample from it for more than STALE_INTERVALS collection intervals. Times are this tab's clock
 * (unix ms): `lastSampleAt` is when the newest sample arrived (null if none has),
 * `watchingSince` when the tab started watching, which gives a host that has not sent anything
 * yet the same grace period.
 */
export function hostStatus(
  host: Pick<HostInfo, 'online' | 'collect_interval_ms'>,
  lastSampleAt: number | null,
  watchingSince: number,
  now: number,
): HostStatus {
  if (!host.online) return 'offline';
  const heardAt = lastSampleAt ?? watchingSince;
  return now - heardAt > staleAfterMs(host) ? 'stale' : 'online';
}
