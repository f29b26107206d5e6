import { hostStatus, totalNet, type HostStatus } from '@/lib/metrics';
import { subscribeLatestSamples } from '@/lib/queries/hosts';
import { subscribeSession, getSession } from '@/lib/session';
import type { HostInfo, Sample } from '@/types/api';
import { Spark } from './spark';

// Live fleet state lives outside React: each tile subscribes to its own host only, and
// notifications are batched, so a second's worth of samples from hundreds of hosts costs one
// React commit that re-renders just the tiles whose host changed.

export interface TileState {
  host: HostInfo;
  latest: Sample | null;
  /** When the newest sample arrived, on this tab's clock (unix ms). */
  lastSampleAt: number | null;
  status: HostStatus;
  /** Network rates smoothed over about RATE_SMOOTHING_MS (bytes/s, loopback excluded), so a
   * quiet host reads a steady 300 B/s rather than flickering 0 → 910 B/s → 0. */
  rx: number | null;
  tx: number | null;
}

const RATE_SMOOTHING_MS = 5000;

export interface FleetSummary {
  total: number;
  online: number;
  stale: number;
  offline: number;
}

const FLUSH_MS = 100;

/** Exponentially weighted: each new rate counts by how much time it covers, so uneven sample
 * spacing (a late tick, a backlog flushed at once) weighs what it should. */
function smoothed(previous: number | null, value: number, dtMs: number): number {
  if (previous === null || !(dtMs > 0)) return value;
  const weight = 1 - Math.exp(-dtMs / RATE_SMOOTHING_MS);
  return previous + weight * (value - previous);
}


const STATUS_TICK_MS = 1000;

function factsKey(host: HostInfo): string {
  // Groups are part of it: the fleet's group filter must re-run when a host changes groups.
  const groups = host.groups.map((g) => g.id).join(' ');
  return [host.hostname, host.os, host.addresses.join(' '), host.online ? 1 : 0, groups].join('\u0000');
}

/** The fleet page shows none of a sample's slower families (top processes, listening sockets,
 * sessions, failed units): dropped, 2,000 hosts' latest samples stay small whichever tick each
 * one landed on, rather than swelling by every host's process list on the ticks that carry it. */
function fleetSample(sample: Sample): Sample {
  if (sample.processes === null && sample.listening === null && sample.users === null && sample.failed_units === null) {
    return sample;
  }
  return { ...sample, processes: null, listening: null, users: null, failed_units: null };
}

/** Whether `sample` was taken after the hub last heard from the host as `info` describes it: a
 * list or host frame that said "offline" (fetched while the hub lagged, say) is then out of date,
 * since samples of a host come only while its agent streams. */
function heardSince(info: HostInfo, sample: Sample): boolean {
  if (info.online) return false;
  const lastSeen = info.last_seen ? Date.parse(info.last_seen) : 0;
  return sample.ts > lastSeen;
}

class FleetStore {
  private tiles = new Map<string, TileState>();
  /** Latest samples from the host list for hosts not in the store yet, until the list itself
   * arrives (`replaceHosts`, right after). */
  private pendingLatest = new Map<string, Sample>();
  private readonly sparks = new Map<string, Spark>();
  private watchingSince = Date.now();
  private listVersion = 0;
  private summary: FleetSummary = { total: 0, online: 0, stale: 0, offline: 0 };
  private readonly tileListeners = new Map<string, Set<() => void>>();
  private readonly listListeners = new Set<() => void>();
  private readonly dirty = new Set<string>();
  private listDirty = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private statusTimer: ReturnType<typeof setInterval> | null = null;

  // ---- reads (stable snapshots for useSyncExternalStore) ---------------------------------

  getTile = (id: string): TileState | undefined => this.tiles.get(id);

  getListVersion = (): number => this.listVersion;

  getSummary = (): FleetSummary => this.summary;

  getSpark = (id: string): Spark | undefined => this.sparks.get(id);

  /** Older CPU points from the hub (the history API), merged before the live ones. */
  backfillSpark(id: string, ts: number[], values: (number | null)[]): void {
    this.sparkOf(id).prepend(ts, values);
    this.dirty.add(id);
    this.scheduleFlush();
  }

  markSparkBackfilled(id: string): boolean {
    const spark = this.sparkOf(id);
    if (spark.backfilled) return false;
    spark.backfilled = true;
    return true;
  }

  getAll(): TileState[] {
    return [...this.tiles.values()];
  }

  subscribeTile(id: string, listener: () => void): () => void {
    let set = this.tileListeners.get(id);
    if (!set) {
      set = new Set();
      this.tileListeners.set(id, set);
    }
    const owner = set;
    owner.add(listener);
    return () => {
      owner.delete(listener);
      if (owner.size === 0 && this.tileListeners.get(id) === owner) this.tileListeners.delete(id);
    };
  }

  subscribeList = (listener: () => void): (() => void) => {
    this.listListeners.add(listener);
    if (this.statusTimer === null) this.statusTimer = setInterval(() => this.refreshStatuses(), STATUS_TICK_MS);
    return () => {
      this.listListeners.delete(listener);
      if (this.listListeners.size === 0 && this.statusTimer !== null) {
        clearInterval(this.statusTimer);
        this.statusTimer = null;
      }
    };
  };

  // ---- writes ----------------------------------------------------------------------------

  /** Takes the hub's host list as the truth about which hosts exist and what they are. */
  replaceHosts(hosts: HostInfo[]): void {
    const now = Date.now();
    const next = new Map<string, TileState>();
    for (const info of hosts) {
      const current = this.tiles.get(info.id);
      let latest = current?.latest ?? null;
      let lastSampleAt = current?.lastSampleAt ?? null;
      const listed = this.pendingLatest.get(info.id);
      if (listed && (!latest || listed.ts > latest.ts)) {
        latest = listed;
        lastSampleAt = Math.min(listed.ts, now);
      }
      const net = latest ? totalNet(latest) : null;
      const tile: TileState = {
        host: info,
        latest,
        lastSampleAt,
        status: hostStatus(info, lastSampleAt, this.watchingSince, now),
        rx: current?.rx ?? net?.rx ?? null,
        tx: current?.tx ?? net?.tx ?? null,
      };
      if (latest && latest !== current?.latest) this.pushSpark(info.id, latest);
      next.set(info.id, tile);
      this.dirty.add(info.id);
    }
    this.pendingLatest.clear();
    for (const id of this.sparks.keys()) if (!next.has(id)) this.sparks.delete(id);
    this.tiles = next;
    this.listDirty = true;
    // Synchronously: the grid lays out the new list in the same frame as the page around it.
    this.flush();
  }

  /** The latest samples of a fetched host list (`getHosts`), stripped like live ones: applied to
   * the hosts the store has when newer than what it holds (a host that went quiet while the socket
   * was down), kept for the others until `replaceHosts` brings them. */
  applyListedSamples(latest: ReadonlyMap<string, Sample>): void {
    const now = Date.now();
    const pending = new Map<string, Sample>();
    for (const [hostId, listed] of latest) {
      const sample = fleetSample(listed);
      const tile = this.tiles.get(hostId);
      if (!tile) {
        pending.set(hostId, sample);
        continue;
      }
      if (tile.latest && sample.ts <= tile.latest.ts) continue;
      const lastSampleAt = Math.min(sample.ts, now);
      const net = totalNet(sample);
      const status = hostStatus(tile.host, lastSampleAt, this.watchingSince, now);
      this.tiles.set(hostId, {
        host: tile.host,
        latest: sample,
        lastSampleAt,
        status,
        rx: tile.rx ?? net.rx,
        tx: tile.tx ?? net.tx,
      });
      this.pushSpark(hostId, sample);
      this.dirty.add(hostId);
      if (status !== tile.status) this.listDirty = true;
    }
    this.pendingLatest = pending;
    if (this.dirty.size > 0 || this.listDirty) this.scheduleFlush();
  }

  /** Returns false for a host this store does not know yet. */
  applySample(hostId: string, sample: Sample): boolean {
    const tile = this.tiles.get(hostId);
    if (!tile) return false;
    if (tile.latest && sample.ts <= tile.latest.ts) return true;
    const now = Date.now();
    const net = totalNet(sample);
    const dt = tile.latest ? sample.ts - tile.latest.ts : 0;
    const host = heardSince(tile.host, sample) ? { ...tile.host, online: true } : tile.host;
    this.tiles.set(hostId, {
      host,
      latest: fleetSample(sample),
      lastSampleAt: now,
      status: hostStatus(host, now, this.watchingSince, now),
      rx: smoothed(tile.rx, net.rx, dt),
      tx: smoothed(tile.tx, net.tx, dt),
    });
    this.pushSpark(hostId, sample);
    this.dirty.add(hostId);
    if (tile.status !== 'online') this.listDirty = true;
    this.scheduleFlush();
    return true;
  }

  applyHost(info: HostInfo): void {
    const tile = this.tiles.get(info.id);
    const now = Date.now();
    const lastSampleAt = tile?.lastSampleAt ?? null;
    this.tiles.set(info.id, {
      host: info,
      latest: tile?.latest ?? null,
      lastSampleAt,
      status: hostStatus(info, lastSampleAt, this.watchingSince, now),
      rx: tile?.rx ?? null,
      tx: tile?.tx ?? null,
    });
    this.dirty.add(info.id);
    if (!tile || factsKey(tile.host) !== factsKey(info)) this.listDirty = true;
    this.scheduleFlush();
  }

  /** Forgets hosts the user may no longer see. */
  removeHosts(ids: Set<string>): void {
    let removed = false;
    for (const id of ids) {
      this.sparks.delete(id);
      if (this.tiles.delete(id)) {
        removed = true;
        this.dirty.add(id);
      }
    }
    if (!removed) return;
    this.listDirty = true;
    this.scheduleFlush();
  }

  clear(): void {
    this.tiles = new Map();
    this.pendingLatest = new Map();
    this.sparks.clear();
    this.watchingSince = Date.now();
    this.listDirty = true;
    for (const id of this.tileListeners.keys()) this.dirty.add(id);
    this.scheduleFlush();
  }

  // ---- internals -------------------------------------------------------------------------

  private sparkOf(id: string): Spark {
    let spark = this.sparks.get(id);
    if (!spark) {
      spark = new Spark();
      this.sparks.set(id, spark);
    }
    return spark;
  }

  private pushSpark(id: string, sample: Sample): void {
    this.sparkOf(id).push(sample.ts, sample.cpu.percent);
  }

  private refreshStatuses(): void {
    const now = Date.now();
    for (const [id, tile] of this.tiles) {
      const status = hostStatus(tile.host, tile.lastSampleAt, this.watchingSince, now);
      if (status !== tile.status) {
        this.tiles.set(id, { ...tile, status });
        this.dirty.add(id);
        this.listDirty = true;
      }
    }
    if (this.dirty.size > 0) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const ids = [...this.dirty];
    this.dirty.clear();
    if (this.listDirty) {
      this.listDirty = false;
      this.summary = this.computeSummary();
      this.listVersion += 1;
      for (const listener of this.listListeners) listener();
    }
    for (const id of ids) {
      const set = this.tileListeners.get(id);
      if (set) for (const listener of set) listener();
    }
  }

  private computeSummary(): FleetSummary {
    const summary: FleetSummary = { total: this.tiles.size, online: 0, stale: 0, offline: 0 };
    for (const tile of this.tiles.values()) summary[tile.status] += 1;
    return summary;
  }
}

export const fleetStore = new FleetStore();

// For the whole tab's life, not only while the fleet page is mounted: a page opened later builds
// its tiles from the cached list, whose samples were handed over when it was fetched.
subscribeLatestSamples((latest) => fleetStore.applyListedSamples(latest));

// Another user may log in next in this tab: they must not glimpse the previous user's hosts.
subscribeSession(() => {
  if (getSession().status !== 'authenticated') fleetStore.clear();
});
