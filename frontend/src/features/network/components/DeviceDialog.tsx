import { Alert } from '@/components/ui/Alert';
import { Dialog } from '@/components/ui/Dialog';
import { Spinner } from '@/components/ui/Spinner';
import { secondaryButton, tdClass, thClass } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import { useDevice } from '../api/get-device';
import { EventList } from './EventList';

interface DeviceDialogProps {
  deviceId: number;
  onClose: () => void;
}

/** A device's identity, every port ever seen open on it, and its history of changes. */
export function DeviceDialog({ deviceId, onClose }: DeviceDialogProps) {
  const device = useDevice(deviceId);
  const title = device.data ? device.data.hostname || device.data.ip : 'Device';

  return (
    <Dialog open title={title} onClose={onClose} wide testId="network-device-detail">
      {device.isPending && <Spinner label="Loading device…" />}
      {device.isError && <Alert>{describeError(device.error, 'Could not load the device.')}</Alert>}
      {device.data && (
        <div className="mt-3 space-y-4 text-sm">
          <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1">
            <dt className="text-muted">IP</dt>
            <dd className="font-mono">{device.data.ip}</dd>
            <dt className="text-muted">MAC</dt>
            <dd className="font-mono">
              {device.data.mac || '–'}
              {device.data.randomized_mac && <span className="ml-2 font-sans text-warn">randomized</span>}
            </dd>
            <dt className="text-muted">Vendor</dt>
            <dd>{device.data.vendor || '–'}</dd>
            <dt className="text-muted">Host name</dt>
            <dd>
              {device.data.hostname || '–'}
              {device.data.hostname && device.data.hostname_source && (
                <span className="ml-1 text-xs text-muted">
                  ({device.data.hostname_source === 'mdns' ? 'multicast DNS' : 'reverse DNS'})
                </span>
              )}
            </dd>
            <dt className="text-muted">State</dt>
            <dd className={device.data.present ? 'text-ok' : 'text-crit'}>{device.data.present ? 'present' : 'gone'}</dd>
            <dt className="text-muted">First seen</dt>
            <dd>{formatDateTime(parseIso(device.data.first_seen))}</dd>
            <dt className="text-muted">Last seen</dt>
            <dd>{formatDateTime(parseIso(device.data.last_seen))}</dd>
          </dl>
          <section>
            <h3 className="mb-1 font-semibold">Ports</h3>
            {device.data.ports.length === 0 ? (
              <p className="text-muted">No open port has been seen on this device.</p>
            ) : (
              <table className="w-full border-collapse text-left text-sm">
                <thead>
                  <tr>
                    <th className={thClass}>Port</th>
                    <th className={thClass}>State</th>
                    <th className={thClass}>Service</th>
                    <th className={thClass}>First seen</th>
                    <th className={thClass}>Last seen open</th>
                  </tr>
                </thead>
                <tbody>
                  {device.data.ports.map((port) => (
                    <tr key={`${port.port}/${port.proto}`} data-testid="network-device-port">
                      <td className={`${tdClass} font-mono`}>
                        {port.port}/{port.proto}
                      </td>
                      <td className={`${tdClass} ${port.open ? 'text-ok' : 'text-muted'}`}>{port.open ? 'open' : 'closed'}</td>
                      <td className={`${tdClass} break-all`}>{port.service || '–'}</td>
                      <td className={`${tdClass} text-xs`}>{formatDateTime(parseIso(port.first_seen))}</td>
                      <td className={`${tdClass} text-xs`}>{formatDateTime(parseIso(port.last_seen))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section>
            <h3 className="mb-1 font-semibold">History</h3>
            <EventList events={device.data.history} withoutDevice emptyText="No change recorded yet." />
          </section>
        </div>
      )}
      <div className="mt-4 flex justify-end">
        <button type="button" className={secondaryButton} onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
