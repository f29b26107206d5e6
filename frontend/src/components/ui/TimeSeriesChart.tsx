import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { useTheme } from '@/lib/theme';

export interface ChartSeries {
  label: string;
  /** #rrggbb */
  color: string;
  fill?: boolean;
  dash?: number[];
  /** A thin, translucent line behind the others (e.g. a bucket's peak). */
  faint?: boolean;
}

/** A stretch of time to shade behind the series, e.g. an alert from its start to its end. */
export interface ChartBand {
  /** unix seconds */
  from: number;
  /** unix seconds; null: still going on. */
  to: number | null;
  tone: 'crit' | 'warn';
}

const NO_BANDS: ChartBand[] = [];

interface TimeSeriesChartProps {
  /** [x in unix seconds, ...one array per series]; null leaves a gap. */
  data: uPlot.AlignedData;
  series: ChartSeries[];
  /** The visible window in unix seconds, so the chart scrolls even while data is sparse. */
  xRange: [number, number];
  /** Formats values in the legend and, unless `formatAxis` is given, on the y axis. */
  formatValue: (value: number) => string;
  formatAxis?: (value: number) => string;
  /** Fixed y bounds; a missing one follows the data (from 0 up). */
  yMin?: number;
  yMax?: number;
  height?: number;
  label: string;
  testId?: string;
  bands?: ChartBand[];
}

/** Without a hovering cursor the legend shows the newest values instead of dashes. */
function showLatestInLegend(plot: uPlot): void {
  if ((plot.cursor.left ?? -1) >= 0) return;
  // The newest point with any value: history often ends in a bucket not filled yet.
  for (let idx = (plot.data[0]?.length ?? 0) - 1; idx >= 0; idx -= 1) {
    if (plot.data.some((values, i) => i > 0 && values[idx] != null)) {
      plot.setLegend({ idx });
      return;
    }
  }
}

/** Shades each band over the plot area, with a firmer line where it starts; drawn under the series. */
function drawBands(plot: uPlot, bands: ChartBand[], colors: Record<ChartBand['tone'], string>): void {
  if (bands.length === 0) return;
  const { left, top, width, height } = plot.bbox;
  const right = left + width;
  const ctx = plot.ctx;
  ctx.save();
  for (const band of bands) {
    const start = plot.valToPos(band.from, 'x', true);
    const end = band.to === null ? right : plot.valToPos(band.to, 'x', true);
    const x0 = Math.max(left, start);
    const x1 = Math.min(right, end);
    if (!(x1 > x0)) continue;
    ctx.fillStyle = colors[band.tone];
    ctx.globalAlpha = 0.14;
    ctx.fillRect(x0, top, x1 - x0, height);
    if (start >= left) {
      ctx.globalAlpha = 0.7;
      ctx.fillRect(start, top, Math.max(1, Math.round(window.devicePixelRatio)), height);
    }
  }
  ctx.restore();
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/**
 * A thin React shell around uPlot: the plot is built once per series layout and theme, then
 * fed with `setData`, which is what keeps a dozen 1 Hz charts cheap.
 */
export function TimeSeriesChart({
  data,
  series,
  xRange,
  formatValue,
  formatAxis,
  yMin,
  yMax,
  height = 180,
  label,
  testId,
  bands = NO_BANDS,
}: TimeSeriesChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  // uPlot keeps the callbacks it was built with; refs let them see the latest props.
  const dataRef = useRef(data);
  const xRangeRef = useRef(xRange);
  const formatValueRef = useRef(formatValue);
  const formatAxisRef = useRef(formatAxis ?? formatValue);
  const seriesRef = useRef(series);
  const bandsRef = useRef(bands);
  const theme = useTheme();

  dataRef.current = data;
  xRangeRef.current = xRange;
  formatValueRef.current = formatValue;
  formatAxisRef.current = formatAxis ?? formatValue;
  seriesRef.current = series;
  bandsRef.current = bands;

  const seriesKey = series
    .map((s) => `${s.label}\u0000${s.color}\u0000${s.fill ? 1 : 0}\u0000${s.faint ? 1 : 0}\u0000${s.dash?.join(',') ?? ''}`)
    .join('\u0001');

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const axis = cssVar('--chart-axis', '#9aa7b6');
    const grid = cssVar('--chart-grid', 'rgba(148,163,184,0.12)');
    const axisFont = '11px ui-sans-serif, system-ui, sans-serif';
    const bandColors = { crit: cssVar('--ev-crit', '#dc2626'), warn: cssVar('--ev-warn', '#f59e0b') };

    const opts: uPlot.Options = {
      width: Math.max(160, Math.floor(el.clientWidth)),
      height,
      cursor: { drag: { x: false, y: false } },
      hooks: { drawClear: [(u) => drawBands(u, bandsRef.current, bandColors)] },
      legend: { live: true },
      scales: {
        x: { time: true, range: () => [xRangeRef.current[0], xRangeRef.current[1]] },
        y: {
          range: (_u, dataMin, dataMax) => {
            const lo = yMin ?? Math.min(0, Number.isFinite(dataMin) ? dataMin : 0);
            const hiData = Number.isFinite(dataMax) ? dataMax : 0;
            const hi = yMax ?? (hiData > lo ? lo + (hiData - lo) * 1.15 : lo + 1);
            return [lo, hi];
          },
        },
      },
      axes: [
        { stroke: axis, font: axisFont, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        {
          stroke: axis,
          font: axisFont,
          size: 72,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, splits) => splits.map((v) => formatAxisRef.current(v)),
        },
      ],
      series: [
        {
          value: (_u, v) => {
            if (v == null) return '–';
            const [from, to] = xRangeRef.current;
            // Past a day the time of day alone is ambiguous.
            return to - from > 20 * 3600 ? new Date(v * 1000).toLocaleString() : new Date(v * 1000).toLocaleTimeString();
          },
        },
        ...seriesRef.current.map<uPlot.Series>((s) => ({
          label: s.label,
          stroke: s.faint ? `${s.color}66` : s.color,
          width: s.faint ? 1 : 1.5,
          fill: s.fill ? `${s.color}26` : undefined,
          dash: s.dash,
          // A null is a gap in the data (the host was silent): never draw across it.
          spanGaps: false,
          points: { show: false },
          value: (_u, v) => (v == null ? '–' : formatValueRef.current(v)),
        })),
      ],
    };

    const plot = new uPlot(opts, dataRef.current, el);
    plotRef.current = plot;
    showLatestInLegend(plot);

    let lastWidth = el.clientWidth;
    const observer = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width > 0 && width !== lastWidth) {
        lastWidth = width;
        plot.setSize({ width, height });
      }
    });
    observer.observe(el);

    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [seriesKey, theme, height, yMin, yMax]);

  useEffect(() => {
    const plot = plotRef.current;
    if (!plot) return;
    plot.setData(data);
    showLatestInLegend(plot);
  }, [data, xRange]);

  useEffect(() => {
    // New bands with the same data (history mode): draw them without waiting for a sample.
    plotRef.current?.redraw(false);
  }, [bands]);

  const bandNote = bands.length > 0 ? `; ${bands.length} alert period${bands.length === 1 ? '' : 's'} shaded` : '';
  return (
    <figure
      data-testid={testId}
      data-bands={bands.length}
      aria-label={`${label}${bandNote}`}
      ref={containerRef}
      className="m-0 w-full min-w-0"
    />
  );
}
