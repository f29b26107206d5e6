import { formatBytes } from '@/lib/format';
import type { HostInfo, Sample } from '@/types/api';

function coresText(cores: number): string {
  const rounded = Number.isInteger(cores) ? String(cores) : cores.toFixed(cores < 10 ? 2 : 1).replace(/0+$/, '');
  return `${rounded} ${cores === 1 ? 'core' : 'cores'}`;
}

/** Facts that change how the numbers read: a container's limits, samples the hub dropped. */
export function HostNotices({ host, latest }: { host: HostInfo; latest: Sample | null }) {
  const cpuLimit = latest?.cpu.limit_cores ?? null;
  const memLimit = latest?.memory.limit ?? null;
  const limits = [cpuLimit !== null ? coresText(cpuLimit) : null, memLimit !== null ? formatBytes(memLimit) : null].filter(
    (x): x is string => x !== null,
  );
  if (limits.length === 0 && host.dropped_samples <= 0) return null;
  return (
    <div className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
      {limits.length > 0 && (
        <p data-testid="container-limits" className="text-muted" title="CPU and memory figures are relative to the container's limits">
          Container: limited to {limits.join(' / ')}
        </p>
      )}
      {host.dropped_samples > 0 && (
        <p data-testid="dropped-samples" className="font-medium text-warn" title="Samples the hub could not keep up with and discarded">
          Dropped samples: {host.dropped_samples.toLocaleString()}
        </p>
      )}
    </div>
  );
}
