import { useSyncExternalStore } from 'react';
import { apiFetch, isApiError, refreshAccessToken } from '@/lib/api';
import { endSession, getAccessToken } from '@/lib/session';
import type { AlertFrameEvent, AppNotification, FiredAlert } from '@/types/alerts';
import type { HostInfo, Sample, SamplesPage } from '@/types/api';
import type { ToolJob } from '@/types/jobs';
import type { AuthOkFrame, ClientFrame, EnrolledFrame, ErrorFrame, HubFrame, JobFrame, SampleFrame } from '@/types/ws-frames.gen';

// One WebSocket per tab to /ws/live/, shared by every view through ref-counted subscriptions.
// Live delivery is best effort: after a reconnect, or when the hub says it dropped samples of a
// host for this socket (a `gap`), each watched host's gap is backfilled over REST and delivered,
// in order, before the live samples that arrived meanwhile.

export type LiveState = 'connecting' | 'live' | 'offline';

export type FleetEvent =
  | { type: 'sample'; hostId: string; sample: Sample }
  | { type: 'host'; host: HostInfo }
  /** The socket came back after an outage: fleet views should reload what they show. */
  | { type: 'resync' };

export type HostEvent =
  | { type: 'sample'; sample: Sample }
  | { type: 'host'; host: HostInfo }
  /** The user may no longer see this host: its live subscription has ended. */
  | { type: 'lost' };

/** What a `subscribeEnrolled` listener hears: an agent enrolled with an enrollment token. */
export type EnrolledEvent =
  | Pick<EnrolledFrame, 'type' | 'token' | 'host'>
  /** The socket came back after an outage: frames may have been missed, reload what is shown. */
  | { type: 'resync' };

/** What a `subscribeJobs` listener hears about one host's tool jobs. */
export type JobEvent =
  /** A job changed; `rows` are the result items that arrived with this change. */
  | { type: 'job'; job: JobFrame['job']; rows: NonNullable<JobFrame['rows']> | null }
  /** The hub refused a frame about this job (a cancel). */
  | (Pick<ErrorFrame, 'type' | 'code' | 'message'> & { job: string })
  /** The socket came back after an outage: frames may have been missed, reload what is shown. */
  | { type: 'resync' }
  /** The user may no longer see this host. */
  | { type: 'lost' };

/** A refusal of a WebSocket request, with the hub's error code (`host_offline`, `forbidden`, …). */
export class LiveError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'LiveError';
    this.code = code;
  }
}

interface PendingRun {
  host: string;
  resolve: (job: ToolJob) => void;
  reject: (error: LiveError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const HEARTBEAT_MS = 20_000;
/** How long a `tool.run` may wait for the hub's answer before the caller is told to check. */
const RUN_ANSWER_MS = 15_000;
/** No frame at all (not even a pong) for this long means the connection is dead. */
const SILENCE_LIMIT_MS = 2 * HEARTBEAT_MS + 5_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const BACKFILL_LIMIT = 3600;
const AUTH_TIMEOUT_MS = 10_000;
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN = 4403;

interface Listener<E> {
  cb: (event: E) => void;
}

interface HostSubscription {
  listeners: Set<Listener<HostEvent>>;
  /** Newest sample ts delivered (agent clock); the backfill asks for what came after it. */
  lastTs: number | null;
  subscribedAt: number;
  backfilling: boolean;
  /** A gap was announced while a backfill was in flight: fetch again before the live ones. */
  backfillAgain: boolean;
  buffered: Sample[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isOneOf<T extends string>(value: unknown, choices: readonly T[]): value is T {
  return typeof value === 'string' && (choices as readonly string[]).includes(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// The nested objects are checked for what the views rely on first, not field by field.

function isSample(value: unknown): value is Sample {
  return isRecord(value) && typeof value.ts === 'number' && isRecord(value.cpu) && isRecord(value.memory);
}

function isHostInfo(value: unknown): value is HostInfo {
  return isRecord(value) && typeof value.id === 'string' && typeof value.hostname === 'string';
}

function isToolJob(value: unknown): value is ToolJob {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.host === 'string' &&
    typeof value.tool === 'string' &&
    typeof value.status === 'string'
  );
}

function isFiredAlert(value: unknown): value is FiredAlert {
  return isRecord(value) && typeof value.id === 'number' && isRecord(value.host) && typeof value.state === 'string';
}

function isNotification(value: unknown): value is AppNotification {
  return isRecord(value) && typeof value.id === 'number' && typeof value.title === 'string';
}

const TOPICS = ['fleet', 'host', 'jobs'] as const;
const ROLES = ['owner', 'admin', 'member'] as const;
const ALERT_EVENTS = ['firing', 'resolved', 'repeat', 'acknowledged'] as const;
const BINDINGS = ['new_host', 'rebound', 'replaced'] as const;

function sampleFrame(value: unknown): SampleFrame | null {
  if (!isRecord(value) || typeof value.host !== 'string' || !isSample(value.sample)) return null;
  return { type: 'sample', host: value.host, sample: value.sample };
}

function authUser(value: unknown): AuthOkFrame['user'] | null {
  if (!isRecord(value) || typeof value.id !== 'number' || typeof value.username !== 'string' || !isOneOf(value.role, ROLES)) return null;
  return { id: value.id, username: value.username, role: value.role };
}

type Frame<T extends HubFrame['type']> = Extract<HubFrame, { type: T }>;

/**
 * One reader per frame the hub may send (protos/ws-frames.schema.json, through ws-frames.gen.ts):
 * each checks a parsed JSON object and builds the typed frame, or says null for a malformed one.
 * A frame type added to or removed from the schema, or a field changed, fails here in tsc.
 */
const FRAME_READERS: { [T in HubFrame['type']]: (frame: Record<string, unknown>) => Frame<T> | null } = {
  'auth.ok': (f) => {
    const user = authUser(f.user);
    return user && { type: 'auth.ok', user };
  },
  pong: () => ({ type: 'pong' }),
  subscribed: (f) => (isOneOf(f.topic, TOPICS) ? { type: 'subscribed', topic: f.topic, host: optionalString(f.host) } : null),
  unsubscribed: (f) => (isOneOf(f.topic, TOPICS) ? { type: 'unsubscribed', topic: f.topic } : null),
  sample: sampleFrame,
  // A bad item is skipped, not the whole batch.
  samples: (f) => ({
    type: 'samples',
    gap: strings(f.gap),
    frames: (Array.isArray(f.frames) ? f.frames : []).map(sampleFrame).filter((item) => item !== null),
  }),
  host: (f) => (isHostInfo(f.host) ? { type: 'host', host: f.host } : null),
  access: (f) => (Array.isArray(f.lost) ? { type: 'access', lost: strings(f.lost) } : null),
  job: (f) =>
    isToolJob(f.job)
      ? { type: 'job', job: f.job, rows: Array.isArray(f.rows) ? (f.rows as unknown[]) : undefined, request: optionalString(f.request) ?? null }
      : null,
  alert: (f) => (isFiredAlert(f.alert) && isOneOf(f.event, ALERT_EVENTS) ? { type: 'alert', event: f.event, alert: f.alert } : null),
  notification: (f) => (isNotification(f.notification) ? { type: 'notification', notification: f.notification } : null),
  enrolled: (f) => {
    if (typeof f.token !== 'number' || !isRecord(f.host) || !isOneOf(f.binding, BINDINGS)) return null;
    const { id, hostname } = f.host;
    if (typeof id !== 'string' || typeof hostname !== 'string') return null;
    return { type: 'enrolled', token: f.token, host: { id, hostname }, binding: f.binding };
  },
  error: (f) => ({
    type: 'error',
    code: optionalString(f.code) ?? 'error',
    message: optionalString(f.message) ?? 'The hub refused the request.',
    host: optionalString(f.host),
    job: optionalString(f.job),
    request: optionalString(f.request) ?? null,
  }),
};

function isFrameType(type: unknown): type is HubFrame['type'] {
  return typeof type === 'string' && Object.hasOwn(FRAME_READERS, type);
}

/** The typed frame of a WebSocket message; null for what is not JSON, not a known frame, or malformed. */
export function readFrame(raw: string): HubFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(value) || !isFrameType(value.type)) return null;
  const read = FRAME_READERS[value.type] as (frame: Record<string, unknown>) => HubFrame | null;
  return read(value);
}

function liveUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/ws/live/`;
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, so tabs spread out. */
function backoffDelay(attempt: number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
  return Math.max(BACKOFF_MIN_MS, step / 2 + Math.random() * (step / 2));
}

class LiveClient {
  private socket: WebSocket | null = null;
  private state: LiveState = 'offline';
  private readonly stateListeners = new Set<() => void>();
  private running = false;
  private attempt = 0;
  private authenticated = false;
  private hasBeenLive = false;
  private needsFreshToken = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private readonly fleetListeners = new Set<Listener<FleetEvent>>();
  private readonly hosts = new Map<string, HostSubscription>();
  private readonly accessListeners = new Set<Listener<string[]>>();
  private readonly jobHosts = new Map<string, Set<Listener<JobEvent>>>();
  private readonly pendingRuns = new Map<string, PendingRun>();
  private readonly alertListeners = new Set<Listener<AlertFrameEvent>>();
  private readonly enrolledListeners = new Set<Listener<EnrolledEvent>>();
  private requestSeq = 0;

  constructor() {
    window.addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.hasBeenLive = false;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.clearReconnect();
    this.dropSocket();
    this.setState('offline');
  }

  getState = (): LiveState => this.state;

  subscribeState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  };

  private setState(next: LiveState): void {
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.stateListeners) listener();
  }

  private reconnectNow(): void {
    if (!this.running || this.socket || this.reconnectTimer === null) return;
    this.clearReconnect();
    void this.connect();
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer !== null) return;
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.setState('offline');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private async connect(): Promise<void> {
    if (!this.running || this.socket) return;
    this.setState('connecting');

    let token = this.needsFreshToken ? null : getAccessToken();
    if (!token) {
      try {
        token = await refreshAccessToken();
      } catch {
        this.scheduleReconnect();
        return;
      }
      if (!token) {
        endSession(true);
        this.stop();
        return;
      }
      this.needsFreshToken = false;
    }
    if (!this.running || this.socket) return;

    let socket: WebSocket;
    try {
      socket = new WebSocket(liveUrl());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.authenticated = false;
    const authToken = token;

    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.lastFrameAt = Date.now();
      socket.send(JSON.stringify({ type: 'auth', token: authToken } satisfies ClientFrame));
      setTimeout(() => {
        if (this.socket === socket && !this.authenticated) this.handleClose(1006);
      }, AUTH_TIMEOUT_MS);
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket) return;
      this.lastFrameAt = Date.now();
      if (typeof event.data === 'string') this.handleFrame(event.data);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.handleClose(event.code);
    };
    socket.onerror = () => {
      // Always followed by a close event, which does the work.
    };
  }

  private handleClose(code: number): void {
    this.dropSocket();
    if (!this.running) return;
    if (code === CLOSE_UNAUTHENTICATED || code === CLOSE_FORBIDDEN) this.needsFreshToken = true;
    this.scheduleReconnect();
  }

  /** Detaches and closes the current socket without waiting for the browser's close event. */
  private dropSocket(): void {
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    this.authenticated = false;
    this.failPendingRuns();
    if (!socket) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
      socket.close(1000, 'client closing');
    }
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
        this.handleClose(1006);
        return;
      }
      this.send({ type: 'ping' });
    }, HEARTBEAT_MS);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) {
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = null;
    }
  }

  private send(frame: ClientFrame): void {
    if (this.socket && this.authenticated && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
    }
  }

  // ---- incoming frames -------------------------------------------------------------------

  private handleFrame(raw: string): void {
    const frame = readFrame(raw);
    if (frame === null) return;
    switch (frame.type) {
      case 'auth.ok':
        this.onAuthenticated();
        break;
      case 'sample':
        this.onSample(frame.host, frame.sample);
        break;
      case 'samples':
        // Several hosts' samples in one WebSocket frame. `gap` names hosts whose earlier samples
        // the hub dropped for this socket (it read too slowly): their backfill starts first, so
        // the samples here wait behind it and everything is delivered in order.
        for (const hostId of frame.gap ?? []) {
          const sub = this.hosts.get(hostId);
          if (sub) void this.backfill(hostId, sub);
        }
        for (const item of frame.frames) this.onSample(item.host, item.sample);
        break;
      case 'host':
        this.onHost(frame.host);
        break;
      case 'access':
        this.onAccessLost(frame.lost);
        break;
      case 'job':
        this.onJob(frame.job, frame.rows ?? null, frame.request ?? null);
        break;
      case 'alert':
      case 'notification':
        this.emitAlerts(frame);
        break;
      case 'enrolled':
        for (const l of this.enrolledListeners) l.cb({ type: 'enrolled', token: frame.token, host: frame.host });
        break;
      case 'error':
        if (import.meta.env.DEV) console.warn('live: hub refused a frame', frame);
        this.onError(frame);
        break;
      case 'pong':
      case 'subscribed':
      case 'unsubscribed':
        // The timestamp update on receipt is all they are for.
        break;
      default:
        frame satisfies never;
    }
  }

  private onAuthenticated(): void {
    this.authenticated = true;
    this.attempt = 0;
    const reconnected = this.hasBeenLive;
    this.hasBeenLive = true;
    this.startHeartbeat();
    if (this.fleetListeners.size > 0) this.send({ type: 'subscribe', topic: 'fleet' });
    for (const [hostId, sub] of this.hosts) {
      this.send({ type: 'subscribe', topic: 'host', host: hostId });
      if (reconnected) void this.backfill(hostId, sub);
    }
    for (const hostId of this.jobHosts.keys()) this.send({ type: 'subscribe', topic: 'jobs', host: hostId });
    this.setState('live');
    if (reconnected) {
      this.emitFleet({ type: 'resync' });
      this.emitAlerts({ type: 'resync' });
      for (const l of this.enrolledListeners) l.cb({ type: 'resync' });
      for (const listeners of this.jobHosts.values()) for (const l of listeners) l.cb({ type: 'resync' });
    }
  }

  private onJob(job: ToolJob, rows: unknown[] | null, request: string | null): void {
    if (request !== null) {
      const pending = this.pendingRuns.get(request);
      if (pending) {
        this.pendingRuns.delete(request);
        clearTimeout(pending.timer);
        pending.resolve(job);
      }
    }
    const listeners = this.jobHosts.get(job.host);
    if (listeners) for (const l of listeners) l.cb({ type: 'job', job, rows });
  }

  /** Error frames name no request: a refused run carries its host, a refused cancel its job. */
  private onError({ code, message, host, job }: ErrorFrame): void {
    if (job !== undefined) {
      const event: JobEvent = { type: 'error', job, code, message };
      for (const listeners of this.jobHosts.values()) for (const l of listeners) l.cb(event);
      return;
    }
    if (host === undefined) return;
    for (const [request, pending] of this.pendingRuns) {
      if (pending.host !== host) continue;
      this.pendingRuns.delete(request);
      clearTimeout(pending.timer);
      pending.reject(new LiveError(code, message));
      return;
    }
  }

  private failPendingRuns(): void {
    const pending = [...this.pendingRuns.values()];
    this.pendingRuns.clear();
    for (const run of pending) {
      clearTimeout(run.timer);
      run.reject(
        new LiveError(
          'connection_lost',
          'The connection to the hub dropped before it confirmed the run; past runs show whether it started.',
        ),
      );
    }
  }

  private onSample(hostId: string, sample: Sample): void {
    this.emitFleet({ type: 'sample', hostId, sample });
    const sub = this.hosts.get(hostId);
    if (!sub) return;
    if (sub.backfilling) sub.buffered.push(sample);
    else this.deliverHostSample(sub, sample);
  }

  private onHost(host: HostInfo): void {
    this.emitFleet({ type: 'host', host });
    const sub = this.hosts.get(host.id);
    if (sub) for (const l of sub.listeners) l.cb({ type: 'host', host });
  }

  /** The hub has already stopped these hosts' live data; forget them and tell the views. */
  private onAccessLost(lost: string[]): void {
    if (lost.length === 0) return;
    for (const hostId of lost) {
      const sub = this.hosts.get(hostId);
      if (sub) {
        this.hosts.delete(hostId);
        for (const l of sub.listeners) l.cb({ type: 'lost' });
      }
      const jobListeners = this.jobHosts.get(hostId);
      if (jobListeners) {
        this.jobHosts.delete(hostId);
        for (const l of jobListeners) l.cb({ type: 'lost' });
      }
    }
    for (const l of this.accessListeners) l.cb(lost);
  }

  private emitFleet(event: FleetEvent): void {
    for (const l of this.fleetListeners) l.cb(event);
  }

  private emitAlerts(event: AlertFrameEvent): void {
    for (const l of this.alertListeners) l.cb(event);
  }

  /** Delivers in ts order, once: fleet and host topics, and backfills, may overlap. */
  private deliverHostSample(sub: HostSubscription, sample: Sample): void {
    if (sub.lastTs !== null && sample.ts <= sub.lastTs) return;
    sub.lastTs = sample.ts;
    for (const l of sub.listeners) l.cb({ type: 'sample', sample });
  }

  private async backfill(hostId: string, sub: HostSubscription): Promise<void> {
    if (sub.backfilling) {
      sub.backfillAgain = true;
      return;
    }
    sub.backfilling = true;
    try {
      do {
        sub.backfillAgain = false;
        const since = sub.lastTs ?? sub.subscribedAt;
        const page = await apiFetch<SamplesPage>(`/hosts/${encodeURIComponent(hostId)}/samples`, {
          query: { since, limit: BACKFILL_LIMIT },
        });
        if (this.hosts.get(hostId) !== sub) return;
        const samples = [...page.samples].sort((a, b) => a.ts - b.ts);
        for (const sample of samples) this.deliverHostSample(sub, sample);
      } while (sub.backfillAgain);
    } catch (error) {
      if (import.meta.env.DEV && !(isApiError(error) && error.status === 404)) {
        console.warn('live: backfill failed', hostId, error);
      }
    } finally {
      sub.backfilling = false;
      const buffered = sub.buffered.sort((a, b) => a.ts - b.ts);
      sub.buffered = [];
      for (const sample of buffered) this.deliverHostSample(sub, sample);
    }
  }

  // ---- subscriptions ---------------------------------------------------------------------

  subscribeFleet(cb: (event: FleetEvent) => void): () => void {
    const listener: Listener<FleetEvent> = { cb };
    this.fleetListeners.add(listener);
    if (this.fleetListeners.size === 1) this.send({ type: 'subscribe', topic: 'fleet' });
    return () => {
      if (!this.fleetListeners.delete(listener)) return;
      if (this.fleetListeners.size === 0) this.send({ type: 'unsubscribe', topic: 'fleet' });
    };
  }

  subscribeAlerts(cb: (event: AlertFrameEvent) => void): () => void {
    const listener: Listener<AlertFrameEvent> = { cb };
    this.alertListeners.add(listener);
    return () => {
      this.alertListeners.delete(listener);
    };
  }

  subscribeEnrolled(cb: (event: EnrolledEvent) => void): () => void {
    const listener: Listener<EnrolledEvent> = { cb };
    this.enrolledListeners.add(listener);
    return () => {
      this.enrolledListeners.delete(listener);
    };
  }

  subscribeAccessLost(cb: (lost: string[]) => void): () => void {
    const listener: Listener<string[]> = { cb };
    this.accessListeners.add(listener);
    return () => {
      this.accessListeners.delete(listener);
    };
  }

  subscribeHost(hostId: string, cb: (event: HostEvent) => void): () => void {
    let sub = this.hosts.get(hostId);
    if (!sub) {
      sub = {
        listeners: new Set(),
        lastTs: null,
        subscribedAt: Date.now(),
        backfilling: false,
        backfillAgain: false,
        buffered: [],
      };
      this.hosts.set(hostId, sub);
      this.send({ type: 'subscribe', topic: 'host', host: hostId });
    }
    const listener: Listener<HostEvent> = { cb };
    const owner = sub;
    owner.listeners.add(listener);
    return () => {
      if (!owner.listeners.delete(listener)) return;
      if (owner.listeners.size === 0 && this.hosts.get(hostId) === owner) {
        this.hosts.delete(hostId);
        this.send({ type: 'unsubscribe', topic: 'host', host: hostId });
      }
    };
  }

  subscribeJobs(hostId: string, cb: (event: JobEvent) => void): () => void {
    let listeners = this.jobHosts.get(hostId);
    if (!listeners) {
      listeners = new Set();
      this.jobHosts.set(hostId, listeners);
      this.send({ type: 'subscribe', topic: 'jobs', host: hostId });
    }
    const listener: Listener<JobEvent> = { cb };
    const owner = listeners;
    owner.add(listener);
    return () => {
      if (!owner.delete(listener)) return;
      if (owner.size === 0 && this.jobHosts.get(hostId) === owner) {
        this.jobHosts.delete(hostId);
        this.send({ type: 'unsubscribe', topic: 'jobs', host: hostId });
      }
    };
  }

  isReady(): boolean {
    return this.socket !== null && this.authenticated && this.socket.readyState === WebSocket.OPEN;
  }

  runTool(host: string, tool: string, params: Record<string, unknown>): Promise<ToolJob> {
    if (!this.isReady()) {
      return Promise.reject(new LiveError('not_connected', 'The live connection is down.'));
    }
    this.requestSeq += 1;
    const request = `run-${this.requestSeq}`;
    return new Promise<ToolJob>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pendingRuns.delete(request)) return;
        reject(
          new LiveError(
            'timeout',
            `The hub did not answer within ${RUN_ANSWER_MS / 1000} s; past runs show whether the job started.`,
          ),
        );
      }, RUN_ANSWER_MS);
      this.pendingRuns.set(request, { host, resolve, reject, timer });
      this.send({ type: 'tool.run', host, tool, params, request });
    });
  }

  cancelTool(jobId: string): boolean {
    if (!this.isReady()) return false;
    this.send({ type: 'tool.cancel', job: jobId });
    return true;
  }
}

const client = new LiveClient();

export function startLive(): void {
  client.start();
}

export function stopLive(): void {
  client.stop();
}

export function subscribeFleet(cb: (event: FleetEvent) => void): () => void {
  return client.subscribeFleet(cb);
}

export function subscribeHost(hostId: string, cb: (event: HostEvent) => void): () => void {
  return client.subscribeHost(hostId, cb);
}

/**
 * Called with the ids of hosts the user just lost access to (an `access` frame), so views that
 * list hosts can drop them and reload their lists; features register here instead of importing
 * each other.
 */
export function subscribeAccessLost(cb: (lost: string[]) => void): () => void {
  return client.subscribeAccessLost(cb);
}

/**
 * `alert` and `notification` frames: the hub sends them to every socket of each user who may see
 * the host, with no subscription to ask for; a `resync` follows a reconnect.
 */
export function subscribeAlerts(cb: (event: AlertFrameEvent) => void): () => void {
  return client.subscribeAlerts(cb);
}

/**
 * `enrolled` frames: the hub sends them to owners' and admins' sockets, with no subscription to
 * ask for, when an agent enrolls; a `resync` follows a reconnect.
 */
export function subscribeEnrolled(cb: (event: EnrolledEvent) => void): () => void {
  return client.subscribeEnrolled(cb);
}

/**
 * Tool-job frames of one host: every job's changes with the result items that came with them.
 * Ref-counted like host subscriptions; re-subscribed after a reconnect, then a `resync` event.
 */
export function subscribeJobs(hostId: string, cb: (event: JobEvent) => void): () => void {
  return client.subscribeJobs(hostId, cb);
}

/**
 * Asks the hub over the socket to start a tool job; resolves with the queued job, rejects with
 * a LiveError (the hub's refusal, or `not_connected` when the socket is down: use REST then).
 */
export function runTool(hostId: string, tool: string, params: Record<string, unknown>): Promise<ToolJob> {
  return client.runTool(hostId, tool, params);
}

/** Asks the hub to cancel a job; false when the socket is down (use REST then). */
export function cancelTool(jobId: string): boolean {
  return client.cancelTool(jobId);
}

export function getLiveState(): LiveState {
  return client.getState();
}

export function useLiveState(): LiveState {
  return useSyncExternalStore(client.subscribeState, client.getState);
}
