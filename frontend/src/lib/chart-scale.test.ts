import { describe, expect, it } from 'vitest';
import {
  byteLabels,
  decimalLabels,
  formatMoment,
  niceBinaryStep,
  niceDecimalStep,
  roundedTop,
  tickStep,
  ticks,
  timeLabels,
  ticksThatFit,
  timeTicks,
} from './chart-scale';

const utc = () => 0;
const unique = (labels: string[]) => new Set(labels).size === labels.length;

describe('decimal ticks', () => {
  it('fall on 1, 2 or 5 times a power of ten', () => {
    expect(niceDecimalStep(0.13)).toBe(0.2);
    expect(niceDecimalStep(3)).toBe(5);
    expect(niceDecimalStep(7)).toBe(10);
    expect(niceDecimalStep(120)).toBe(200);
    expect(ticks(0, 100, 6)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(ticks(0, 2.3, 6)).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('label every tick once, with the precision of the step', () => {
    const values = ticks(0, 1.2, 7);
    const labels = decimalLabels(values, tickStep(0, 1.2, 7));
    expect(unique(labels)).toBe(true);
    expect(labels[1]).toBe((0.2).toLocaleString(undefined, { minimumFractionDigits: 1 }));
  });

  it('round the top of the axis up to a tick', () => {
    expect(roundedTop(0, 87, 6)).toBe(100);
    expect(roundedTop(0, 0.7, 6)).toBe(0.8);
  });
});

describe('byte ticks', () => {
  it('fall on powers of two, never below one byte', () => {
    expect(niceBinaryStep(0.2)).toBe(1);
    expect(niceBinaryStep(3)).toBe(4);
    expect(niceBinaryStep(700 * 1024 ** 2)).toBe(1024 ** 3);
    expect(ticks(0, 1.6, 6, 'bytes')).toEqual([0, 1]);
  });

  it('never repeat a label for a rate of a few bytes per second', () => {
    const max = roundedTop(0, 1.4, 5, 'bytes');
    const values = ticks(0, max, 5, 'bytes');
    const labels = byteLabels(values, tickStep(0, max, 5, 'bytes'), '/s');
    expect(unique(labels)).toBe(true);
    expect(labels).toEqual(['0 B/s', '1 B/s', '2 B/s']);
  });

  it('keep one unit per axis with enough digits to tell the ticks apart', () => {
    const gib = 1024 ** 3;
    const values = ticks(0, 2 * gib, 5, 'bytes');
    expect(values).toEqual([0, gib / 2, gib, 1.5 * gib, 2 * gib]);
    expect(byteLabels(values, gib / 2)).toEqual(['0 GiB', '0.5 GiB', '1 GiB', '1.5 GiB', '2 GiB']);
  });
});

describe('time ticks', () => {
  it('fall on round clock times', () => {
    const start = Date.UTC(2026, 11, 7, 6, 26, 13) / 1000;
    const values = timeTicks(start, start + 3600, 7, utc);
    expect(values.every((t) => t % 600 === 0)).toBe(true);
    expect(values.length).toBeLessThanOrEqual(7);
  });

  it('are at least two even when the window crosses no whole minute', () => {
    const start = Date.UTC(2026, 11, 7, 14, 6, 18) / 1000;
    const values = timeTicks(start, start + 32, 2, utc);
    expect(values.length).toBeGreaterThanOrEqual(2);
    expect(values.every((t) => t >= start && t <= start + 32 && t % 5 === 0)).toBe(true);
  });

  it('fit the room they have', () => {
    expect(ticksThatFit(120, 30)).toBe(5);
    expect(ticksThatFit(10, 30)).toBe(2);
  });

  it('show the date once per day, on its own line, and never the same label twice', () => {
    const start = Date.UTC(2026, 11, 6, 20, 0, 0) / 1000;
    const values = timeTicks(start, start + 8 * 3600, 6, utc);
    const labels = timeLabels(values, 7200, { locale: 'en-GB', timeZone: 'UTC' });
    expect(labels[0]).toBe('20:00\n6 Dec');
    expect(labels).toContain('00:00\n7 Dec');
    expect(labels.filter((l) => l.includes('\n'))).toHaveLength(2);
    expect(unique(labels)).toBe(true);
  });

  it('show seconds only when the step is under a minute', () => {
    const t = Date.UTC(2026, 11, 7, 6, 26, 30) / 1000;
    expect(timeLabels([t], 30, { locale: 'en-GB', timeZone: 'UTC' })[0]).toBe('06:26:30\n7 Dec');
    expect(timeLabels([t, t + 86400], 86400, { locale: 'en-GB', timeZone: 'UTC' })).toEqual(['7 Dec', '8 Dec']);
  });

  it('format a moment with the date only when the range is longer than a day', () => {
    const t = Date.UTC(2026, 11, 7, 6, 26, 30) / 1000;
    expect(formatMoment(t, 3600, { locale: 'en-GB', timeZone: 'UTC' })).toBe('06:26:30');
    expect(formatMoment(t, 7 * 86400, { locale: 'en-GB', timeZone: 'UTC' })).toBe('7 Dec, 06:26');
  });
});
