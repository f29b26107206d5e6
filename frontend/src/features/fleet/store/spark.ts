/** How far back the fleet's sparklines reach. */
export const SPARK_WINDOW_MS = 5 * 60_000;
/** One point per bucket: 60 points draw a 96-pixel line as well as 300 would. */
export const SPARK_BUCKET_MS = 5000;
const SLOTS = SPARK_WINDOW_MS / SPARK_BUCKET_MS;

/**
 * A host's CPU over the last five minutes in fixed typed arrays, one slot per 5-second bucket
 * holding the bucket's highest value (a spike stays visible): allocated once, so 2,000 hosts
 * streaming for hours keep the same heap.
 */
export class Spark {
  private readonly buckets = new Float64Array(SLOTS);
  private readonly values = new Float32Array(SLOTS);
  private head = 0;
  private size = 0;
  /** Bumped on each change, so a drawing can tell it is current. */
  version = 0;
  /** The REST backfill was asked for (once per host and page life). */
  backfilled = false;

  get length(): number {
    return this.size;
  }

  /** Adds a value at `ts` (unix ms); older than the newest bucket is ignored. */
  push(ts: number, value: number): void {
    const bucket = Math.floor(ts / SPARK_BUCKET_MS);
    if (this.size > 0) {
      const newest = (this.head + this.size - 1) % SLOTS;
      const last = this.buckets[newest] ?? -Infinity;
      if (bucket < last) return;
      if (bucket === last) {
        if (value > (this.values[newest] ?? -Infinity)) this.values[newest] = value;
        this.version += 1;
        return;
      }
    }
    const slot = (this.head + this.size) % SLOTS;
    this.buckets[slot] = bucket;
    this.values[slot] = value;
    if (this.size < SLOTS) this.size += 1;
    else this.head = (this.head + 1) % SLOTS;
    this.version += 1;
  }

  /** Older points (the history API's), placed before what is held. */
  prepend(ts: number[], values: (number | null)[]): void {
    const held: [number, number][] = [];
    this.forEach((t, v) => held.push([t, v]));
    const firstHeld = held[0]?.[0] ?? Infinity;
    this.head = 0;
    this.size = 0;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      const value = values[i];
      if (t !== undefined && value !== null && value !== undefined && t < firstHeld) this.push(t, value);
    }
    for (const [t, v] of held) this.push(t, v);
  }

  /** Each held point, oldest first, at its bucket's start. */
  forEach(cb: (ts: number, value: number) => void): void {
    for (let i = 0; i < this.size; i++) {
      const slot = (this.head + i) % SLOTS;
      cb((this.buckets[slot] ?? 0) * SPARK_BUCKET_MS, this.values[slot] ?? 0);
    }
  }
}
