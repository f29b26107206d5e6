import type { NetworkEventKind } from '../types';

/** Orders IPv4 addresses numerically and puts IPv6 after them, in text order. */
export function ipSortKey(ip: string): string {
  const octets = ip.split('.');
  if (octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o))) {
    return `4:${octets.map((o) => o.padStart(3, '0')).join('.')}`;
  }
  return `6:${ip}`;
}

export const EVENT_LABELS: Record<NetworkEventKind, string> = {
  device_new: 'New device',
  device_gone: 'Device gone',
  port_opened: 'Port opened',
  port_closed: 'Port closed',
};

export const EVENT_TONES: Record<NetworkEventKind, string> = {
  device_new: 'text-ok',
  device_gone: 'text-crit',
  port_opened: 'text-warn',
  port_closed: 'text-muted',
};

export const TOOL_LABELS: Record<string, string> = {
  discover: 'Discovery',
  port_scan: 'Port scan',
  services: 'Service scan',
  tls_cert: 'TLS certificate check',
};
