import type { HistoryWindow } from '../api/get-host-history';

export type RangeKey = 'live' | '1h' | '6h' | '24h' | '7d' | '30d' | 'custom';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The hub refuses longer ranges. */
export const MAX_RANGE_MS = 400 * DAY_MS;

export const RANGE_OPTIONS: { key: RangeKey; label: string; title: string; spanMs?: number }[] = [
  { key: 'live', label: 'Live', title: 'The last 5 minutes, updated every second' },
  { key: '1h', label: '1 h', title: 'The last hour', spanMs: HOUR_MS },
  { key: '6h', label: '6 h', title: 'The last 6 hours', spanMs: 6 * HOUR_MS },
  { key: '24h', label: '24 h', title: 'The last 24 hours', spanMs: DAY_MS },
  { key: '7d', label: '7 d', title: 'The last 7 days', spanMs: 7 * DAY_MS },
  { key: '30d', label: '30 d', title: 'The last 30 days', spanMs: 30 * DAY_MS },
  { key: 'custom', label: 'Custom', title: 'Pick a start and an end' },
];

export function isRangeKey(value: string | null): value is RangeKey {
  return RANGE_OPTIONS.some((o) => o.key === value);
}

/** A chosen range: live, or a fixed window of history (presets end when they were picked). */
export type TimeRange = { key: 'live' } | { key: Exclude<RangeKey, 'live'>; window: HistoryWindow };

export function presetRange(key: Exclude<RangeKey, 'live' | 'custom'>, now: number = Date.now()): TimeRange {
  const span = RANGE_OPTIONS.find((o) => o.key === key)?.spanMs ?? HOUR_MS;
  return { key, window: { start: now - span, end: now } };
}

/** `<input type="datetime-local">` values are local wall-clock times without a zone. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** Why a custom window cannot be asked for, or null when it can. */
export function customWindowError(start: number | null, end: number | null): string | null {
  if (start === null || end === null) return 'Enter both a start and an end.';
  if (end <= start) return 'The end must be after the start.';
  if (end - start > MAX_RANGE_MS) return 'Ranges are limited to 400 days.';
  return null;
}

/** "15 s", "1 min", "1 h" */
export function formatStep(stepMs: number): string {
  const s = stepMs / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const m = s / 60;
  if (m < 60) return `${Number.isInteger(m) ? m : m.toFixed(1)} min`;
  const h = m / 60;
  if (h < 24) return `${Number.isInteger(h) ? h : h.toFixed(1)} h`;
  const d = h / 24;
  return `${Number.isInteger(d) ? d : d.toFixed(1)} d`;
}

/**
 * The range in the address, so a reload or a shared link shows the same charts:
 * `?range=24h` (a preset, ending when the page was opened) or `?from=&to=` (unix ms: a custom
 * window or a zoom). No parameter, or one that makes no sense, is the live view.
 */
export function rangeFromParams(params: URLSearchParams, now: number): TimeRange {
  const from = Number(params.get('from'));
  const to = Number(params.get('to'));
  if (params.has('from') && params.has('to') && Number.isFinite(from) && Number.isFinite(to) && customWindowError(from, to) === null) {
    return { key: 'custom', window: { start: from, end: to } };
  }
  const key = params.get('range');
  if (isRangeKey(key) && key !== 'live' && key !== 'custom') return presetRange(key, now);
  return { key: 'live' };
}

/** The address parameters of a range (the inverse of `rangeFromParams`). */
export function rangeToParams(range: TimeRange): Record<string, string> {
  if (range.key === 'live') return {};
  if (range.key === 'custom') return { from: String(Math.round(range.window.start)), to: String(Math.round(range.window.end)) };
  return { range: range.key };
}
