import type { ReactNode } from 'react';
import { formatAgo, formatBytes, formatDateTime, formatDuration, parseIso } from '@/lib/format';
import type { HostInfo, Sample } from '@/types/api';

function Fact({ term, children, wide = false }: { term: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={`min-w-0 ${wide ? 'sm:col-span-2' : ''}`}>
      <dt className="text-xs text-muted">{term}</dt>
      <dd className="truncate text-sm text-fg">{children}</dd>
    </div>
  );
}

interface HostFactsProps {
  host: HostInfo;
  latest: Sample | null;
  /** The newest evidence of life, in unix ms on this tab's clock. */
  lastSeen: number | null;
  now: number;
}

export function HostFacts({ host, latest, lastSeen, now }: HostFactsProps) {
  const cores =
    host.cpu_physical > 0 && host.cpu_physical !== host.cpu_logical
      ? `${host.cpu_logical} logical / ${host.cpu_physical} physical`
      : `${host.cpu_logical}`;
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-3 rounded-lg border border-border bg-surface p-4 sm:grid-cols-2 lg:grid-cols-4">
      <Fact term="Operating system" wide>
        <span title={host.os}>{host.os || '–'}</span>
      </Fact>
      <Fact term="Kernel">
        <span title={host.kernel}>
          {host.kernel || '–'}
          {host.arch ? ` (${host.arch})` : ''}
        </span>
      </Fact>
      <Fact term="Virtualization">{host.virtualization || 'none detected'}</Fact>
      <Fact term="CPU model" wide>
        <span title={host.cpu_model}>{host.cpu_model || '–'}</span>
      </Fact>
      <Fact term="Cores">{cores}</Fact>
      <Fact term="Memory">{formatBytes(latest?.memory.total ?? host.memory_total)}</Fact>
      <Fact term="Addresses" wide>
        <span title={host.addresses.join(', ')} className="font-mono text-xs">
          {host.addresses.length > 0 ? host.addresses.join(', ') : '–'}
        </span>
      </Fact>
      <Fact term="Agent version">{host.agent_version || '–'}</Fact>
      <Fact term="Uptime">
        {latest ? formatDuration(latest.uptime) : host.boot_time ? formatDuration(now / 1000 - host.boot_time) : '–'}
      </Fact>
      <Fact term="Last seen">
        <span title={formatDateTime(lastSeen ?? parseIso(host.last_seen))}>
          {formatAgo(lastSeen ?? parseIso(host.last_seen), now)}
        </span>
      </Fact>
      <Fact term="Groups">{host.groups.length > 0 ? host.groups.map((g) => g.name).join(', ') : '–'}</Fact>
      <Fact term="Collect interval">{`${(host.collect_interval_ms / 1000).toFixed(host.collect_interval_ms % 1000 ? 1 : 0)} s`}</Fact>
    </dl>
  );
}
