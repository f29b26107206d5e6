import type { ComponentType } from 'react';
import type { ToolJob } from '@/types/jobs';
import { CaptureResult } from './CaptureResult';
import { DiscoverResult } from './DiscoverResult';
import { DnsResult } from './DnsResult';
import { ListeningResult } from './ListeningResult';
import { Raw, type Row } from './parts';
import { PingResult } from './PingResult';
import { PortScanResult } from './PortScanResult';
import { RawResult } from './RawResult';
import { ServicesResult } from './ServicesResult';
import { TlsResult } from './TlsResult';
import { TracerouteResult } from './TracerouteResult';

const RENDERERS: Record<string, ComponentType<{ job: ToolJob; rows: Row[] }>> = {
  discover: DiscoverResult,
  port_scan: PortScanResult,
  services: ServicesResult,
  ping: PingResult,
  traceroute: TracerouteResult,
  dns: DnsResult,
  tls_cert: TlsResult,
  listening: ListeningResult,
  capture: CaptureResult,
};

export function ToolResult({ job, rows, dropped }: { job: ToolJob; rows: Row[]; dropped: number }) {
  const Renderer = RENDERERS[job.tool] ?? RawResult;
  return (
    <div className="space-y-3">
      <Renderer job={job} rows={rows} />
      {dropped > 0 && (
        <p className="text-xs text-warn">
          The hub keeps at most 5,000 rows per job; {dropped} more were not stored.
        </p>
      )}
      {Renderer !== RawResult && (job.result !== null || rows.length > 0) && <Raw value={{ result: job.result, rows }} label="Raw JSON" />}
    </div>
  );
}
