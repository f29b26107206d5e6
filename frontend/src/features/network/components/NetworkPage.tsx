import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { Panel } from '@/components/ui/Panel';
import { Spinner } from '@/components/ui/Spinner';
import { inputClass, labelClass, primaryButton, smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatAgo, parseIso } from '@/lib/format';
import { canOperateHost } from '@/lib/roles';
import { useNow } from '@/lib/use-now';
import type { HostInfo } from '@/types/api';
import { useHostNetworks } from '../api/get-host-networks';
import { useHosts } from '@/lib/queries/hosts';
import { useMe } from '@/lib/queries/me';
import { useNetwork } from '../api/get-network';
import { useStartScan } from '../api/start-scan';
import type { Device, NetworkSummary } from '../types';
import { DeviceDialog } from './DeviceDialog';
import { DeviceTable } from './DeviceTable';
import { ScanHistory } from './ScanHistory';
import { SchedulesEditor } from './SchedulesEditor';
import { TopologyView } from './TopologyView';

/** Devices, ports and their changes on the networks each host's agent scans. */
export function NetworkPage() {
  const [params, setParams] = useSearchParams();
  const hosts = useHosts();
  const me = useMe();
  const hostId = params.get('host');
  const networkId = Number(params.get('network')) || null;
  const host = hosts.data?.find((h) => h.id === hostId);
  const operate = canOperateHost(me.data, host);

  const select = (next: { host?: string | null; network?: number | null }) => {
    const out = new URLSearchParams();
    const h = next.host === undefined ? hostId : next.host;
    const n = next.network === undefined ? networkId : next.network;
    if (h) out.set('host', h);
    if (h && n) out.set('network', String(n));
    setParams(out, { replace: true });
  };

  // One host only: nothing to choose.
  useEffect(() => {
    if (!hostId && hosts.data?.length === 1 && hosts.data[0]) select({ host: hosts.data[0].id, network: null });
  });

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-4">
        <h1 className="mr-auto text-xl font-semibold">Network</h1>
        <label className="min-w-[14rem]">
          <span className={labelClass}>Host</span>
          <select
            className={inputClass}
            value={hostId ?? ''}
            onChange={(e) => select({ host: e.target.value || null, network: null })}
            data-testid="network-host-picker"
          >
            <option value="">Choose a host…</option>
            {[...(hosts.data ?? [])]
              .sort((a, b) => a.hostname.localeCompare(b.hostname))
              .map((h) => (
                <option key={h.id} value={h.id}>
                  {h.hostname}
                  {h.online ? '' : ' (offline)'}
                </option>
              ))}
          </select>
        </label>
      </div>
      {hosts.isPending && <Spinner label="Loading hosts…" />}
      {hosts.isError && <Alert>{describeError(hosts.error, 'Could not load the hosts.')}</Alert>}
      {hosts.data?.length === 0 && <Alert tone="info">No host is visible to you yet.</Alert>}
      {hostId && host && (
        <HostNetworks
          host={host}
          networkId={networkId}
          canOperate={operate}
          onSelect={(id) => select({ network: id })}
        />
      )}
      {hostId && hosts.data && !host && <Alert>This host does not exist or is not visible to you.</Alert>}
    </div>
  );
}

interface HostNetworksProps {
  host: HostInfo;
  networkId: number | null;
  canOperate: boolean;
  onSelect: (networkId: number) => void;
}

function HostNetworks({ host, networkId, canOperate, onSelect }: HostNetworksProps) {
  const networks = useHostNetworks(host.id);
  const now = useNow(10_000);

  useEffect(() => {
    const first = networks.data?.[0];
    if (networkId === null && first) onSelect(first.id);
  });

  return (
    <div className="grid gap-4 lg:grid-cols-[16rem_1fr]">
      <Panel title="Networks" testId="network-list">
        {networks.isPending && <Spinner label="Loading networks…" />}
        {networks.isError && <Alert>{describeError(networks.error, 'Could not load the networks.')}</Alert>}
        {networks.data?.length === 0 && (
          <p data-testid="network-empty" className="break-words text-sm text-muted">
            {host.hostname} has not scanned a network yet.{canOperate ? ' Discover one below.' : ''}
          </p>
        )}
        <ul className="space-y-1">
          {networks.data?.map((n: NetworkSummary) => (
            <li key={n.id}>
              <button
                type="button"
                onClick={() => onSelect(n.id)}
                aria-current={n.id === networkId ? 'true' : undefined}
                className={`w-full rounded-md px-2 py-1.5 text-left text-sm ${n.id === networkId ? 'bg-surface-2 text-fg' : 'text-muted hover:text-fg'}`}
                data-testid="network-list-item"
              >
                <span className="block font-mono text-fg">{n.name || n.cidr}</span>
                <span className="block text-xs">
                  {n.present} present of {n.devices} · scanned {formatAgo(parseIso(n.last_scan_at), now)}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {canOperate && <DiscoverForm hostId={host.id} online={host.online} />}
      </Panel>
      {networkId !== null && <NetworkView key={networkId} host={host} networkId={networkId} canOperate={canOperate} now={now} />}
    </div>
  );
}

function DiscoverForm({ hostId, online }: { hostId: string; online: boolean }) {
  const start = useStartScan(hostId);
  const [cidr, setCidr] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate({ tool: 'discover', params: cidr.trim() ? { target: cidr.trim() } : {} });
  };

  return (
    <form onSubmit={submit} className="mt-3 space-y-2 border-t border-border pt-3">
      <label className="block">
        <span className={labelClass}>Discover a subnet</span>
        {/* The column is narrow: the placeholder holds only an example, the hint says the rest. */}
        <input
          className={inputClass}
          value={cidr}
          placeholder="192.168.1.0/24"
          aria-describedby="network-discover-hint"
          onChange={(e) => setCidr(e.target.value)}
          data-testid="network-discover-target"
        />
      </label>
      <p id="network-discover-hint" className="text-xs text-muted">
        Leave it empty to discover the host&apos;s own subnets.
      </p>
      <button type="submit" className={primaryButton} disabled={start.isPending || !online}>
        {online ? 'Discover' : 'Host offline'}
      </button>
      {start.isSuccess && <p className="text-xs text-muted">Started; the network appears here when it finishes.</p>}
      {start.isError && <Alert>{describeError(start.error, 'The hub refused the discovery.')}</Alert>}
    </form>
  );
}

interface NetworkViewProps {
  host: HostInfo;
  networkId: number;
  canOperate: boolean;
  now: number;
}

function NetworkView({ host, networkId, canOperate, now }: NetworkViewProps) {
  const network = useNetwork(networkId);
  const start = useStartScan(host.id);
  const [openDevice, setOpenDevice] = useState<number | null>(null);
  const open = (device: Device) => setOpenDevice(device.id);

  if (network.isPending) return <Spinner label="Loading network…" />;
  if (network.isError) return <Alert>{describeError(network.error, 'Could not load the network.')}</Alert>;
  const data = network.data;
  const rescan = canOperate ? (
    <span className="flex gap-2">
      <button
        type="button"
        className={smallButton}
        disabled={start.isPending || !host.online}
        onClick={() => start.mutate({ tool: 'discover', params: { target: data.cidr } })}
      >
        Discover now
      </button>
      <button
        type="button"
        className={smallButton}
        disabled={start.isPending || !host.online}
        onClick={() => start.mutate({ tool: 'port_scan', params: { target: data.cidr, top_ports: 100 } })}
      >
        Scan top 100 ports
      </button>
    </span>
  ) : undefined;

  return (
    <div className="min-w-0 space-y-4">
      <Panel title={`Devices on ${data.name || data.cidr}`} actions={rescan}>
        {start.isSuccess && <p className="mb-2 text-xs text-muted">Scan started; the table updates when it finishes.</p>}
        {start.isError && <Alert>{describeError(start.error, 'The hub refused the scan.')}</Alert>}
        <DeviceTable devices={data.devices} now={now} onOpen={open} />
      </Panel>
      <div className="grid gap-4 xl:grid-cols-2">
        <Panel title="Topology">
          <TopologyView hostName={data.host_name} cidr={data.cidr} devices={data.devices} onOpen={open} />
        </Panel>
        <Panel title="Scan history">
          <ScanHistory networkId={networkId} />
        </Panel>
      </div>
      <Panel title="Schedules">
        <SchedulesEditor networkId={networkId} cidr={data.cidr} canOperate={canOperate} now={now} />
      </Panel>
      {openDevice !== null && <DeviceDialog deviceId={openDevice} onClose={() => setOpenDevice(null)} />}
    </div>
  );
}
