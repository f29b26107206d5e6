// Axis ticks people can read: round values (1-2-5 for decimal quantities, powers of two for
// bytes, clock steps for time), each label once, few enough not to overlap. Pure functions, so
// the charts and the unit tests share them.

export type ValueKind = 'decimal' | 'bytes';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Float noise (0.1 + 0.2) would print as 0.30000000000000004 and break label equality. */
function clean(value: number): number {
  return Number.parseFloat(value.toPrecision(12));
}

/** The smallest 1, 2 or 5 × 10^k at least `raw`. */
export function niceDecimalStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * power >= raw * (1 - 1e-9)) return clean(m * power);
  }
  return clean(10 * power);
}

/** The smallest power of two at least `raw` (1, 2, 4, 8, … within each of B, KiB, MiB, …), at least 1 byte. */
export function niceBinaryStep(raw: number): number {
  if (!(raw > 1) || !Number.isFinite(raw)) return 1;
  return 2 ** Math.ceil(Math.log2(raw) - 1e-9);
}

/** Multiples of `step` from the first at or above `min` to the last at or below `max`. */
function multiples(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  for (let i = first; i * step <= max + step * 1e-9 && out.length < 1000; i += 1) out.push(clean(i * step));
  return out;
}

/** A round step giving at most `maxTicks` ticks over [min, max]. */
export function tickStep(min: number, max: number, maxTicks: number, kind: ValueKind = 'decimal'): number {
  const span = Math.max(max - min, Number.EPSILON);
  const raw = span / Math.max(1, maxTicks - 1);
  return kind === 'bytes' ? niceBinaryStep(raw) : niceDecimalStep(raw);
}

export function ticks(min: number, max: number, maxTicks: number, kind: ValueKind = 'decimal'): number[] {
  return multiples(min, max, tickStep(min, max, maxTicks, kind));
}

/** The top of a value axis: the data's maximum rounded up to the next tick, so the top line is labelled. */
export function roundedTop(min: number, dataMax: number, maxTicks: number, kind: ValueKind = 'decimal'): number {
  const hi = dataMax > min ? dataMax : min + (kind === 'bytes' ? 1 : 1);
  const step = tickStep(min, hi, maxTicks, kind);
  return clean(Math.ceil(hi / step - 1e-9) * step);
}

/** Decimals needed to tell multiples of `step` apart (0.25 → 2, 5 → 0). */
function decimalsFor(step: number): number {
  for (let d = 0; d < 10; d += 1) {
    if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  }
  return 10;
}

/** Labels for decimal ticks, all with the step's precision: "0", "0.5", "1", "1.5" (never "1", "1"). */
export function decimalLabels(values: number[], step: number, suffix = ''): string[] {
  const digits = decimalsFor(step);
  const compact = Math.max(...values.map(Math.abs)) >= 10_000 && step >= 1000;
  return values.map((v) => {
    if (compact) {
      const k = v / 1000;
      return `${k.toLocaleString(undefined, { maximumFractionDigits: decimalsFor(step / 1000) })}k${suffix}`;
    }
    return `${v.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })}${suffix}`;
  });
}

/** Labels for byte ticks in the one unit that fits the largest, with the step's precision: "0 B", "512 MiB", "1 GiB", "1.5 GiB". */
export function byteLabels(values: number[], step: number, suffix = ''): string[] {
  const largest = Math.max(0, ...values.map(Math.abs));
  let unit = 0;
  while (unit < BYTE_UNITS.length - 1 && largest >= 1024 ** (unit + 1)) unit += 1;
  const scale = 1024 ** unit;
  const digits = decimalsFor(step / scale);
  return values.map((v) => {
    const text = (v / scale).toLocaleString(undefined, { maximumFractionDigits: digits });
    return `${text} ${BYTE_UNITS[unit]}${suffix}`;
  });
}

// ------------------------------------------------------------------------------------- time

const SECOND = 1;
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;
/** Clock-friendly steps, in seconds. */
export const TIME_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
] as const;

export function timeStep(min: number, max: number, maxTicks: number): number {
  const raw = Math.max(max - min, 1) / Math.max(1, maxTicks - 1);
  return TIME_STEPS.find((s) => s >= raw) ?? TIME_STEPS[TIME_STEPS.length - 1] ?? DAY;
}

/** Seconds east of UTC at `unixSeconds` in the browser's zone (ticks fall on local round times). */
export function localOffset(unixSeconds: number): number {
  return -new Date(unixSeconds * 1000).getTimezoneOffset() * 60;
}

/**
 * Ticks (unix seconds) on round local times: whole minutes, hours, midnights. At least two
 * when the window allows (a finer step rather than a bare axis: 40 s of a young host cross no
 * whole minute).
 */
export function timeTicks(
  min: number,
  max: number,
  maxTicks: number,
  offset: (unixSeconds: number) => number = localOffset,
): number[] {
  const shift = offset(min);
  let index = TIME_STEPS.indexOf(timeStep(min, max, maxTicks) as (typeof TIME_STEPS)[number]);
  let out = multiples(min + shift, max + shift, TIME_STEPS[index] ?? DAY);
  while (out.length < 2 && index > 0) {
    index -= 1;
    out = multiples(min + shift, max + shift, TIME_STEPS[index] ?? SECOND);
  }
  return out.map((t) => t - shift);
}

/** How many ticks fit along `pixels` with at least `space` pixels between them. */
export function ticksThatFit(pixels: number, space: number): number {
  return Math.max(2, Math.floor(pixels / space) + 1);
}

export interface TimeFormatOptions {
  locale?: string;
  timeZone?: string;
}

/**
 * Labels for time ticks: the clock time (with seconds under a minute's step), and the date on
 * its own line on the first tick and wherever the day changes; dates only for day steps. One
 * locale-aware format (Intl.DateTimeFormat) everywhere.
 */
export function timeLabels(values: number[], step: number, options: TimeFormatOptions = {}): string[] {
  const { locale, timeZone } = options;
  const date = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone });
  const clock = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: step < MINUTE ? '2-digit' : undefined,
    timeZone,
  });
  let previousDay = '';
  return values.map((t, i) => {
    const ms = t * 1000;
    const day = date.format(ms);
    if (step >= DAY) return day;
    const time = clock.format(ms);
    const showDay = i === 0 || day !== previousDay;
    previousDay = day;
    return showDay ? `${time}\n${day}` : time;
  });
}

/** A moment in a legend or a summary: the date only when the range spans more than a day. */
export function formatMoment(unixSeconds: number, spanSeconds: number, options: TimeFormatOptions = {}): string {
  const { locale, timeZone } = options;
  const format = new Intl.DateTimeFormat(
    locale,
    spanSeconds > 20 * HOUR
      ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone }
      : { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone },
  );
  return format.format(unixSeconds * 1000);
}
