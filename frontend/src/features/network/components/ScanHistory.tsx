import { useState } from 'react';
import { Spinner } from '@/components/ui/Spinner';
import { Alert } from '@/components/ui/Alert';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import { useNetworkEvents } from '../api/get-network-events';
import { useNetworkScans } from '../api/get-network-scans';
import type { NetworkEventKind, NetworkScan } from '../types';
import { EVENT_LABELS, EVENT_TONES, TOOL_LABELS } from './format';
import { EventList } from './EventList';

const KINDS: NetworkEventKind[] = ['device_new', 'device_gone', 'port_opened', 'port_closed'];

/** Every scan applied to the network, each with the changes it found against the one before. */
export function ScanHistory({ networkId }: { networkId: number }) {
  const scans = useNetworkScans(networkId);
  const [openJob, setOpenJob] = useState<string | null>(null);

  if (scans.isPending) return <Spinner label="Loading scans…" />;
  if (scans.isError) return <Alert>{describeError(scans.error, 'Could not load the scan history.')}</Alert>;
  if (scans.data.length === 0) return <p className="text-sm text-muted">No scan of this network has finished yet.</p>;
  return (
    <ul className="divide-y divide-border" data-testid="network-scans">
      {scans.data.map((scan) => (
        <li key={scan.job} className="py-2">
          <button
            type="button"
            className="flex w-full flex-wrap items-baseline gap-x-3 gap-y-1 text-left text-sm hover:text-accent"
            aria-expanded={openJob === scan.job}
            onClick={() => setOpenJob(openJob === scan.job ? null : scan.job)}
            data-testid="network-scan"
          >
            <span className="font-medium">{TOOL_LABELS[scan.tool] ?? scan.tool}</span>
            <span className="text-xs text-muted">{formatDateTime(parseIso(scan.finished_at ?? scan.applied_at))}</span>
            <span className="text-xs text-muted">{scan.requested_by ? `by ${scan.requested_by}` : 'by a schedule'}</span>
            <ScanCounts scan={scan} />
          </button>
          {openJob === scan.job && <ScanChanges networkId={networkId} job={scan.job} />}
        </li>
      ))}
    </ul>
  );
}

function ScanCounts({ scan }: { scan: NetworkScan }) {
  const changes = KINDS.filter((k) => scan.changes[k] > 0);
  return (
    <span className="ml-auto flex flex-wrap gap-2 text-xs">
      <span className="text-muted">
        {scan.tool === 'discover' ? `${scan.devices_seen} up` : `${scan.open_ports} open port${scan.open_ports === 1 ? '' : 's'}`}
      </span>
      {changes.length === 0 ? (
        <span className="text-muted">no change</span>
      ) : (
        changes.map((k) => (
          <span key={k} className={EVENT_TONES[k]}>
            {scan.changes[k]} × {EVENT_LABELS[k].toLowerCase()}
          </span>
        ))
      )}
    </span>
  );
}

function ScanChanges({ networkId, job }: { networkId: number; job: string }) {
  const events = useNetworkEvents(networkId, job);
  if (events.isPending) return <Spinner label="Loading changes…" />;
  if (events.isError) return <Alert>{describeError(events.error, 'Could not load the changes.')}</Alert>;
  return (
    <div className="mt-2 rounded-md bg-surface-2 px-3 py-1">
      <EventList events={events.data} emptyText="This scan changed nothing." />
    </div>
  );
}
