import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Sample } from '@/types/api';

// The live client against a stand-in for the browser's WebSocket and the hub's REST answers:
// what the hub sends is scripted frame by frame, what the client asks for is recorded.

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static latest: FakeSocket | null = null;
  readyState = FakeSocket.CONNECTING;
  readonly sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.latest = this;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

const HOST = '00000000-0000-4000-8000-00000000000a';
const OTHER = '00000000-0000-4000-8000-00000000000b';

function sample(ts: number): Sample {
  return { ts, cpu: { percent: 1 }, memory: { percent: 2 } } as unknown as Sample;
}

const requests: string[] = [];
let answer: (url: string) => Sample[] = () => [];

beforeAll(() => {
  const noop = () => undefined;
  vi.stubGlobal('window', {
    location: { protocol: 'http:', host: 'hub.test', origin: 'http://hub.test' },
    addEventListener: noop,
    localStorage: { getItem: () => null, setItem: noop, removeItem: noop },
  });
  vi.stubGlobal('document', { addEventListener: noop, visibilityState: 'visible' });
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('fetch', (url: string) => {
    requests.push(url);
    return Promise.resolve(
      new Response(JSON.stringify({ samples: answer(url) }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      }),
    );
  });
});

afterAll(() => {
  vi.unstubAllGlobals();
});

async function liveClient() {
  const session = await import('./session');
  session.setAccessToken('token');
  const live = await import('./live');
  live.startLive();
  await vi.waitFor(() => expect(FakeSocket.latest).not.toBeNull());
  const socket = FakeSocket.latest as FakeSocket;
  socket.open();
  socket.receive({ type: 'auth.ok', user: { id: 1, username: 'owner', role: 'owner' } });
  return { live, socket };
}

describe('live client', () => {
  it('backfills a gap the hub announces before the samples that follow it', async () => {
    const { live, socket } = await liveClient();
    const seen: number[] = [];
    const unsubscribe = live.subscribeHost(HOST, (event) => {
      if (event.type === 'sample') seen.push(event.sample.ts);
    });
    expect(socket.sent).toContainEqual({ type: 'subscribe', topic: 'host', host: HOST });
    socket.receive({ type: 'sample', host: HOST, sample: sample(1000) });
    expect(seen).toEqual([1000]);

    // The hub kept only the newest of this host's samples while the socket lagged.
    answer = () => [sample(4000), sample(2000), sample(3000), sample(5000)];
    socket.receive({
      type: 'samples',
      gap: [HOST, OTHER],
      frames: [
        { type: 'sample', host: HOST, sample: sample(5000) },
        { type: 'sample', host: OTHER, sample: sample(5000) },
      ],
    });
    socket.receive({ type: 'sample', host: HOST, sample: sample(6000) });
    await vi.waitFor(() => expect(seen).toEqual([1000, 2000, 3000, 4000, 5000, 6000]));
    // Only the watched host is fetched, from its last sample on.
    expect(requests).toEqual([`/api/v1/hosts/${HOST}/samples?since=1000&limit=3600`]);

    // A gap announced while a backfill is in flight is fetched again before the live samples.
    requests.length = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    answer = () => (++calls === 1 ? [sample(7000)] : [sample(8000), sample(9000)]);
    vi.stubGlobal('fetch', async (url: string) => {
      requests.push(url);
      if (calls === 0) await held;
      return new Response(JSON.stringify({ samples: answer(url) }), { status: 200 });
    });
    socket.receive({ type: 'samples', gap: [HOST], frames: [{ type: 'sample', host: HOST, sample: sample(8000) }] });
    socket.receive({ type: 'samples', gap: [HOST], frames: [{ type: 'sample', host: HOST, sample: sample(10000) }] });
    release();
    await vi.waitFor(() => expect(seen.slice(6)).toEqual([7000, 8000, 9000, 10000]));
    expect(requests).toEqual([
      `/api/v1/hosts/${HOST}/samples?since=6000&limit=3600`,
      `/api/v1/hosts/${HOST}/samples?since=7000&limit=3600`,
    ]);
    unsubscribe();
    live.stopLive();
  });

  it('drops malformed frames without throwing and reads the rest as the schema types them', async () => {
    FakeSocket.latest = null;
    const { live, socket } = await liveClient();
    const jobs: unknown[] = [];
    const samples: number[] = [];
    const unsubscribeJobs = live.subscribeJobs(HOST, (event) => jobs.push(event));
    const unsubscribeHost = live.subscribeHost(HOST, (event) => {
      if (event.type === 'sample') samples.push(event.sample.ts);
    });
    expect(socket.sent).toContainEqual({ type: 'subscribe', topic: 'jobs', host: HOST });

    expect(() => socket.onmessage?.({ data: '{not json' })).not.toThrow();
    for (const bad of [
      null,
      [],
      'job',
      { type: 'no-such-frame' },
      { type: 'toString' },
      { type: 'job' },
      { type: 'job', job: { id: 'j1' } },
      { type: 'sample', host: HOST, sample: { ts: 'soon' } },
      { type: 'samples', frames: 'none' },
      { type: 'access', lost: 'everything' },
      { type: 'alert', event: 'firing', alert: null },
      { type: 'enrolled', token: '1', host: { id: HOST, hostname: 'a' }, binding: 'new_host' },
    ]) {
      expect(() => socket.receive(bad)).not.toThrow();
    }
    expect(jobs).toEqual([]);
    expect(samples).toEqual([]);

    // A bad item of a batch is skipped, the good ones delivered.
    socket.receive({ type: 'samples', frames: [{ type: 'sample', host: HOST }, { type: 'sample', host: HOST, sample: sample(100) }] });
    expect(samples).toEqual([100]);

    const job = { id: 'j1', host: HOST, tool: 'ping', status: 'running' };
    socket.receive({ type: 'job', job });
    socket.receive({ type: 'error', job: 'j1' });
    expect(jobs).toEqual([
      { type: 'job', job, rows: null },
      { type: 'error', job: 'j1', code: 'error', message: 'The hub refused the request.' },
    ]);

    unsubscribeJobs();
    unsubscribeHost();
    expect(socket.sent).toContainEqual({ type: 'unsubscribe', topic: 'jobs', host: HOST });
    live.stopLive();
  });
});
