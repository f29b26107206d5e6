import { describe, expect, it } from 'vitest';
import type { Host, Sample } from '@/types/api';
import { fleetStore, type TileState } from './fleet-store';
import { tableHostIds } from './fleet-view';
import { listedHost } from './hosts.fixture';

function sample(ts: number, cpu: number, rx = 0): Sample {
  return {
    ts,
    cpu: { percent: cpu },
    load: { load1: cpu / 10, load5: 0, load15: 0 },
    memory: { percent: 100 - cpu },
    uptime: cpu * 100,
    disks: [],
    disk_io: [],
    net: [{ iface: 'eth0', rx_bps: rx, tx_bps: 0 }],
  } as unknown as Sample;
}

const host = (id: string, latest: Sample | null): Host => listedHost(id, latest);

function tiles(...hosts: Host[]): TileState[] {
  // As a fetched list reaches the store: its samples first (getHosts), then the hosts.
  fleetStore.applyListedSamples(new Map(hosts.flatMap((h) => (h.latest ? [[h.id, h.latest] as const] : []))));
  fleetStore.replaceHosts(hosts.map(({ latest: _latest, ...info }) => info));
  return fleetStore.getAll();
}

describe('the fleet table', () => {
  it('sorts by CPU, highest first when descending, hosts without data last either way', () => {
    const all = tiles(host('a', sample(1, 10)), host('b', sample(1, 90)), host('c', null), host('d', sample(1, 50)));
    const none = new Map<string, number>();
    expect(tableHostIds(all, { search: '' }, 'cpu', 'desc', none)).toEqual(['b', 'd', 'a', 'c']);
    expect(tableHostIds(all, { search: '' }, 'cpu', 'asc', none)).toEqual(['a', 'd', 'b', 'c']);
  });

  it('sorts by alert count, a host without alerts counting zero', () => {
    const all = tiles(host('a', sample(1, 1)), host('b', null), host('c', sample(1, 1)));
    const alerts = new Map([
      ['b', 3],
      ['c', 1],
    ]);
    expect(tableHostIds(all, { search: '' }, 'alerts', 'desc', alerts)).toEqual(['b', 'c', 'a']);
  });

  it('sorts by name both ways and keeps the search filter', () => {
    const all = tiles(host('web-10', null), host('web-2', null), host('db-1', null));
    expect(tableHostIds(all, { search: 'web' }, 'name', 'asc', new Map())).toEqual(['web-2', 'web-10']);
    expect(tableHostIds(all, { search: '' }, 'name', 'desc', new Map())).toEqual(['web-10', 'web-2', 'db-1']);
  });
});

describe('the sparkline', () => {
  it('puts the history backfill before the live points', () => {
    tiles(host('late', null));
    fleetStore.applySample('late', sample(300_000, 40));
    fleetStore.backfillSpark('late', [100_000, 200_000, 300_000], [10, null, 20]);
    const points: [number, number][] = [];
    fleetStore.getSpark('late')?.forEach((ts, value) => points.push([ts, value]));
    expect(points).toEqual([
      [100_000, 10],
      [300_000, 40],
    ]);
  });
});

describe('smoothed network rates', () => {
  it('do not flicker between zero and a lone burst', () => {
    tiles(host('quiet', sample(0, 1, 0)));
    const shown: number[] = [];
    [0, 910, 0, 0, 910, 0].forEach((rx, i) => {
      fleetStore.applySample('quiet', sample((i + 1) * 1000, 1, rx));
      shown.push(fleetStore.getTile('quiet')?.rx ?? NaN);
    });
    expect(Math.max(...shown)).toBeLessThan(910 / 2);
    expect(shown[2]).toBeGreaterThan(0);
  });

  it('follow a steady rate', () => {
    tiles(host('busy', sample(0, 1, 1000)));
    for (let i = 1; i <= 30; i++) fleetStore.applySample('busy', sample(i * 1000, 1, 1000));
    expect(fleetStore.getTile('busy')?.rx).toBeCloseTo(1000, 0);
  });

  it('keep five minutes of CPU for the sparkline', () => {
    tiles(host('spark', null));
    for (let i = 1; i <= 600; i++) fleetStore.applySample('spark', sample(i * 1000, i % 100));
    const points: [number, number][] = [];
    fleetStore.getSpark('spark')?.forEach((ts, value) => points.push([ts, value]));
    // One point per 5 s bucket, the bucket's highest value, the newest five minutes only.
    expect(points).toHaveLength(60);
    expect(points[0]?.[0]).toBe(600_000 - 5 * 60_000 + 5000);
    expect(points.at(-1)).toEqual([600_000, 0]);
    expect(points.at(-2)).toEqual([595_000, 99]);
  });
});

describe('the fleet store', () => {
  it('keeps no slow family of a sample, which the fleet page never shows', () => {
    tiles(host('slow', null));
    const withProcesses = {
      ...sample(1000, 5),
      processes: { by_cpu: [{ pid: 1, name: 'init', cmdline: '/sbin/init --a-long-command-line' }] },
      listening: [{ port: 22 }],
      users: [{ name: 'root' }],
      failed_units: [{ name: 'x.service' }],
    } as unknown as Sample;
    fleetStore.applySample('slow', withProcesses);
    const latest = fleetStore.getTile('slow')?.latest;
    expect(latest?.cpu.percent).toBe(5);
    expect([latest?.processes, latest?.listening, latest?.users, latest?.failed_units]).toEqual([null, null, null, null]);
    expect(withProcesses.processes).not.toBeNull();
  });
});
