import { describe, expect, it } from 'vitest';
import { memoryChart, networkCharts } from './chart-data';
import type { SeriesFrame } from './series-frame';

function frame(columns: Record<string, (number | null)[]>): SeriesFrame {
  const length = Object.values(columns)[0]?.length ?? 0;
  return { x: Array.from({ length }, (_, i) => 1000 + i), avg: new Map(Object.entries(columns)), max: null };
}

describe('memory', () => {
  it('is a stack of used, cached, buffers and free that adds up to the total', () => {
    const m = memoryChart(frame({ 'mem.used': [10, 20], 'mem.cached': [30, 30], 'mem.buffers': [5, 5], 'mem.available': [80, 70] }), 100);
    expect(m.series.map((s) => s.label)).toEqual(['Free', 'Buffers', 'Cached', 'Used']);
    // Running totals, top first: the top line is the total, the bottom one is used.
    expect(m.data.slice(1)).toEqual([
      [100, 100],
      [45, 55],
      [40, 50],
      [10, 20],
    ]);
    expect(m.stack?.values).toEqual([
      [55, 45],
      [5, 5],
      [30, 30],
      [10, 20],
    ]);
  });

  it('leaves a gap where used is missing rather than drawing a stack of zeros', () => {
    const m = memoryChart(frame({ 'mem.used': [null, 20], 'mem.cached': [null, 30], 'mem.buffers': [null, 5] }), 100);
    expect(m.data[1]).toEqual([null, 100]);
  });
});

describe('network', () => {
  it('sets interfaces without traffic apart, to be folded into one line', () => {
    const charts = networkCharts(
      frame({
        'net.eth0.rx': [10, 20],
        'net.eth0.tx': [1, 2],
        'net.docker0.rx': [0, 0],
        'net.docker0.tx': [0, null],
        'net.lo.rx': [5, 5],
        'net.lo.tx': [5, 5],
      }),
    );
    expect(charts.charts.map((c) => c.name)).toEqual(['eth0']);
    expect(charts.idle.map((c) => c.name)).toEqual(['docker0']);
  });
});
