import { describe, expect, it } from 'vitest';
import { rangeFromParams, rangeToParams } from './time-range';

const NOW = 1_800_000_000_000;

describe('the range in the address', () => {
  it('reads a preset as the window ending when the page was opened', () => {
    expect(rangeFromParams(new URLSearchParams('range=24h'), NOW)).toEqual({
      key: '24h',
      window: { start: NOW - 86_400_000, end: NOW },
    });
  });

  it('reads from and to as a custom window, and writes it back the same', () => {
    const range = rangeFromParams(new URLSearchParams('from=1000&to=61000'), NOW);
    expect(range).toEqual({ key: 'custom', window: { start: 1000, end: 61000 } });
    expect(rangeToParams(range)).toEqual({ from: '1000', to: '61000' });
  });

  it('falls back to live for nonsense', () => {
    expect(rangeFromParams(new URLSearchParams('range=forever'), NOW)).toEqual({ key: 'live' });
    expect(rangeFromParams(new URLSearchParams('from=9&to=3'), NOW)).toEqual({ key: 'live' });
    expect(rangeToParams({ key: 'live' })).toEqual({});
  });
});
