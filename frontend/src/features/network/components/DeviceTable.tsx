import { useMemo, useState } from 'react';
import { Options } from '@/components/ui/Field';
import { inputClass, labelClass, tableClass, tdClass, thClass } from '@/components/ui/styles';
import { formatAgo, formatDateTime, parseIso } from '@/lib/format';
import type { Device } from '../types';
import { ipSortKey } from './format';

type Filter = 'all' | 'present' | 'gone' | 'randomized';
type SortKey = 'ip' | 'hostname' | 'vendor' | 'last_seen';

const FILTERS: Record<Filter, { label: string; keep: (d: Device) => boolean }> = {
  all: { label: 'All devices', keep: () => true },
  present: { label: 'Present', keep: (d) => d.present },
  gone: { label: 'Gone', keep: (d) => !d.present },
  randomized: { label: 'Randomized MAC', keep: (d) => d.randomized_mac },
};

const SORTS: Record<SortKey, { label: string; key: (d: Device) => string }> = {
  ip: { label: 'IP address', key: (d) => ipSortKey(d.ip) },
  hostname: { label: 'Host name', key: (d) => d.hostname.toLowerCase() || '\uffff' },
  vendor: { label: 'Vendor', key: (d) => d.vendor.toLowerCase() || '\uffff' },
  last_seen: { label: 'Last seen', key: (d) => d.last_seen },
};

interface DeviceTableProps {
  devices: Device[];
  now: number;
  onOpen: (device: Device) => void;
}

export function DeviceTable({ devices, now, onOpen }: DeviceTableProps) {
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<Filter>('all');
  const [sort, setSort] = useState<SortKey>('ip');
  const [descending, setDescending] = useState(false);

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const rows = devices.filter(FILTERS[filter].keep).filter((d) => {
      if (!needle) return true;
      const ports = d.ports.filter((p) => p.open).map((p) => String(p.port));
      return [d.ip, d.mac, d.vendor, d.hostname, ...ports].some((text) => text.toLowerCase().includes(needle));
    });
    const key = SORTS[sort].key;
    rows.sort((a, b) => key(a).localeCompare(key(b)) || ipSortKey(a.ip).localeCompare(ipSortKey(b.ip)));
    if (descending) rows.reverse();
    return rows;
  }, [devices, search, filter, sort, descending]);

  const sortBy = (next: SortKey) => {
    if (next === sort) setDescending(!descending);
    else {
      setSort(next);
      setDescending(next === 'last_seen');
    }
  };

  const header = (key: SortKey, text: string) => (
    <th className={thClass} aria-sort={sort === key ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="uppercase hover:text-fg" onClick={() => sortBy(key)}>
        {text}
        {sort === key ? (descending ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );

  return (
    <div>
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <label className="min-w-[14rem] flex-1">
          <span className={labelClass}>Search</span>
          <input
            type="search"
            className={inputClass}
            placeholder="IP, MAC, vendor, host name or port"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="network-device-search"
          />
        </label>
        <label>
          <span className={labelClass}>Show</span>
          <select
            className={inputClass}
            value={filter}
            onChange={(e) => setFilter(e.target.value as Filter)}
            data-testid="network-device-filter"
          >
            <Options items={Object.keys(FILTERS) as Filter[]} value={(f) => f} label={(f) => FILTERS[f].label} />
          </select>
        </label>
        <p className="text-xs text-muted" aria-live="polite">
          {shown.length} of {devices.length}
        </p>
      </div>
      <div className="overflow-x-auto">
        <table className={tableClass}>
          <thead>
            <tr>
              {header('ip', 'IP')}
              <th className={thClass}>MAC</th>
              {header('vendor', 'Vendor')}
              {header('hostname', 'Host name')}
              <th className={thClass}>Open ports</th>
              <th className={thClass}>First seen</th>
              {header('last_seen', 'Last seen')}
            </tr>
          </thead>
          <tbody>
            {shown.map((device) => {
              const open = device.ports.filter((p) => p.open);
              return (
                <tr
                  key={device.id}
                  className={`cursor-pointer hover:bg-surface-2 ${device.present ? '' : 'text-muted'}`}
                  onClick={() => onOpen(device)}
                  data-testid="network-device-row"
                  data-present={device.present}
                >
                  <td className={`${tdClass} font-mono`}>
                    <button
                      type="button"
                      className="hover:underline"
                      onClick={(e) => {
                        e.stopPropagation();
                        onOpen(device);
                      }}
                    >
                      {device.ip}
                    </button>
                    {device.is_self && <span className="ml-2 font-sans text-xs text-accent">this host</span>}
                    {!device.present && <span className="ml-2 font-sans text-xs text-crit">gone</span>}
                  </td>
                  <td className={`${tdClass} font-mono text-xs`}>
                    {device.mac || '–'}
                    {device.randomized_mac && (
                      <span className="ml-1 font-sans text-warn" title="Locally administered: a randomized (private) address">
                        random
                      </span>
                    )}
                  </td>
                  <td className={tdClass}>{device.vendor || '–'}</td>
                  <td className={tdClass}>
                    {device.hostname || '–'}
                    {device.hostname && device.hostname_source === 'mdns' && (
                      <span className="ml-1 text-xs text-muted" title="Answered by the device itself over multicast DNS">
                        mDNS
                      </span>
                    )}
                  </td>
                  <td className={`${tdClass} font-mono text-xs`}>
                    {open.length === 0 ? '–' : open.map((p) => (p.proto === 'tcp' ? p.port : `${p.port}/${p.proto}`)).join(', ')}
                  </td>
                  <td className={`${tdClass} text-xs`}>{formatDateTime(parseIso(device.first_seen))}</td>
                  <td className={`${tdClass} text-xs`} title={formatDateTime(parseIso(device.last_seen))}>
                    {formatAgo(parseIso(device.last_seen), now)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {shown.length === 0 && (
          <p className="py-4 text-center text-sm text-muted">
            {devices.length === 0 ? 'No device has been found on this network yet.' : 'No device matches.'}
          </p>
        )}
      </div>
    </div>
  );
}
