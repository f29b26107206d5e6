import { QueryClient } from '@tanstack/react-query';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hostsKey, hostsQueryOptions } from '@/lib/queries/hosts';
import type { Host, HostInfo, Sample } from '@/types/api';
import { fleetStore } from './fleet-store';
import { listedHost } from './hosts.fixture';

// The host list as the hub serves it (GET /hosts, each host with its latest sample) through the
// real query function and a real QueryClient, and the fleet store fed as the fleet page feeds it.

function sample(ts: number, cpu: number, processes: unknown = null): Sample {
  return {
    ts,
    cpu: { percent: cpu },
    load: { load1: 0, load5: 0, load15: 0 },
    memory: { percent: 10 },
    uptime: 1,
    disks: [],
    disk_io: [],
    net: [],
    processes,
    listening: null,
    users: null,
    failed_units: null,
    unavailable: [],
  } as unknown as Sample;
}

function host(id: string, online: boolean, latest: Sample | null, lastSeen: string | null = null): Host {
  return listedHost(id, latest, { online, last_seen: lastSeen });
}

const TOP = { cpu: [{ pid: 1, name: 'init', cpu: 1, memory: 1 }] };
let served: Host[] = [];

beforeAll(() => {
  vi.stubGlobal('window', { localStorage: { getItem: () => null, setItem: () => undefined, removeItem: () => undefined } });
  vi.stubGlobal('fetch', () =>
    Promise.resolve(new Response(JSON.stringify(served), { status: 200, headers: { 'Content-Type': 'application/json' } })),
  );
});

afterAll(() => {
  vi.unstubAllGlobals();
});

async function fetchList(client: QueryClient): Promise<HostInfo[]> {
  await client.fetchQuery({ ...hostsQueryOptions, staleTime: 0 });
  const data = client.getQueryData<HostInfo[]>(hostsKey);
  if (!data) throw new Error('no host list');
  // What the fleet page does with each list the query delivers (use-fleet-live).
  fleetStore.replaceHosts(data);
  return data;
}

describe('the fleet store and the cached host list', () => {
  it('keeps no sample in the cached list, while the tiles still get the listed ones', async () => {
    const client = new QueryClient();
    served = [host('a', true, sample(1000, 42, TOP)), host('b', false, sample(900, 7)), host('c', true, null)];
    const cached = await fetchList(client);

    // The samples went to the store, not into the cache: 2,000 hosts' latest samples, process
    // lists included, stayed there (and in React's previous render) though the live stream
    // superseded them within a second.
    expect(cached.map((h) => h.id)).toEqual(['a', 'b', 'c']);
    for (const h of cached) expect(h).not.toHaveProperty('latest');
    expect(fleetStore.getTile('a')?.latest?.cpu.percent).toBe(42);
    // Stripped like live samples: the fleet page shows no process list.
    expect(fleetStore.getTile('a')?.latest?.processes).toBeNull();
    expect(fleetStore.getTile('b')?.latest?.ts).toBe(900);
    expect(fleetStore.getTile('c')?.latest).toBeNull();
  });

  it('takes a refetched list newer samples for the hosts it has, and keeps its own newer ones', async () => {
    const client = new QueryClient();
    served = [host('a', true, sample(1000, 42)), host('b', false, sample(900, 7))];
    await fetchList(client);
    expect(fleetStore.applySample('a', sample(2000, 55))).toBe(true);

    // A resync: the hub's list has an older sample of a (the live one is newer) and a newer one of
    // b, an offline host that sent it while the socket was down. The host facts did not change.
    served = [host('a', true, sample(1500, 1)), host('b', false, sample(1900, 9))];
    await fetchList(client);
    expect(fleetStore.getTile('a')?.latest?.cpu.percent).toBe(55);
    expect(fleetStore.getTile('b')?.latest?.cpu.percent).toBe(9);
    for (const h of client.getQueryData<HostInfo[]>(hostsKey) ?? []) expect(h).not.toHaveProperty('latest');
  });

  it('shows a host online once it streams samples taken after a list that said it was offline', async () => {
    const client = new QueryClient();
    const now = Date.now();
    // A list fetched while the hub lagged: its last_seen was 10 s old, so it said offline.
    served = [host('d', false, null, new Date(now - 10_000).toISOString())];
    await fetchList(client);
    expect(fleetStore.getTile('d')?.status).toBe('offline');
    // A sample from before that last_seen (in flight when the list was made) changes nothing.
    fleetStore.applySample('d', sample(now - 20_000, 5));
    expect(fleetStore.getTile('d')?.status).toBe('offline');
    // One taken since: the agent streams, whatever the list said.
    fleetStore.applySample('d', sample(now, 6));
    expect(fleetStore.getTile('d')?.status).toBe('online');
  });
});
