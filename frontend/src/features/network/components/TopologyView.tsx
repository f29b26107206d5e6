import { useState } from 'react';
import type { Device } from '../types';
import { ipSortKey } from './format';

interface TopologyViewProps {
  hostName: string;
  cidr: string;
  devices: Device[];
  onOpen: (device: Device) => void;
}

const SIZE = 520;
const CENTER = SIZE / 2;
const PER_RING = 24;

/** The scanning host in the middle, every device it found on rings around it. */
export function TopologyView({ hostName, cidr, devices, onOpen }: TopologyViewProps) {
  const [hovered, setHovered] = useState<Device | null>(null);
  const others = devices.filter((d) => !d.is_self).sort((a, b) => ipSortKey(a.ip).localeCompare(ipSortKey(b.ip)));
  const rings = Math.max(1, Math.ceil(others.length / PER_RING));
  const placed = others.map((device, i) => {
    const ring = Math.floor(i / PER_RING);
    const onRing = Math.min(PER_RING, others.length - ring * PER_RING);
    const angle = (2 * Math.PI * (i % PER_RING)) / onRing + ring * 0.3 - Math.PI / 2;
    const radius = 90 + ((CENTER - 120) * (ring + 1)) / rings;
    return { device, x: CENTER + radius * Math.cos(angle), y: CENTER + radius * Math.sin(angle) };
  });

  return (
    <div className="relative" data-testid="network-topology">
      <svg viewBox={`0 0 ${SIZE} ${SIZE}`} className="mx-auto block h-auto w-full max-w-[520px]" role="img" aria-label={`Devices of ${cidr} around ${hostName}`}>
        {placed.map(({ device, x, y }) => (
          <line
            key={`l${device.id}`}
            x1={CENTER}
            y1={CENTER}
            x2={x}
            y2={y}
            className={device.present ? 'stroke-border' : 'stroke-border opacity-40'}
            strokeWidth={1}
            strokeDasharray={device.present ? undefined : '4 4'}
          />
        ))}
        <circle cx={CENTER} cy={CENTER} r={34} className="fill-accent" />
        <text x={CENTER} y={CENTER + 4} textAnchor="middle" className="fill-accent-fg text-[11px] font-semibold">
          {hostName.length > 12 ? `${hostName.slice(0, 11)}…` : hostName}
        </text>
        {placed.map(({ device, x, y }) => (
          <g
            key={device.id}
            role="button"
            tabIndex={0}
            aria-label={`${device.ip}${device.hostname ? ` (${device.hostname})` : ''}, ${device.present ? 'present' : 'gone'}`}
            className="cursor-pointer focus:outline-none"
            onMouseEnter={() => setHovered(device)}
            onMouseLeave={() => setHovered(null)}
            onFocus={() => setHovered(device)}
            onBlur={() => setHovered(null)}
            onClick={() => onOpen(device)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onOpen(device);
              }
            }}
            data-testid="network-topology-node"
          >
            <circle
              cx={x}
              cy={y}
              r={hovered?.id === device.id ? 11 : 8}
              className={device.present ? (device.randomized_mac ? 'fill-warn' : 'fill-ok') : 'fill-muted opacity-50'}
            />
            <title>{`${device.ip}${device.hostname ? ` — ${device.hostname}` : ''}`}</title>
          </g>
        ))}
      </svg>
      <div className="mt-2 flex flex-wrap items-center justify-between gap-2 text-xs text-muted">
        <span className="flex items-center gap-3">
          <Legend className="bg-ok" text="present" />
          <Legend className="bg-warn" text="present, randomized MAC" />
          <Legend className="bg-muted opacity-50" text="gone" />
        </span>
        <span className="font-mono text-fg" aria-live="polite">
          {hovered ? `${hovered.ip}${hovered.hostname ? ` — ${hovered.hostname}` : ''}` : `${others.length} ${others.length === 1 ? 'device' : 'devices'}`}
        </span>
      </div>
    </div>
  );
}

function Legend({ className, text }: { className: string; text: string }) {
  return (
    <span className="flex items-center gap-1">
      <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-full ${className}`} />
      {text}
    </span>
  );
}
