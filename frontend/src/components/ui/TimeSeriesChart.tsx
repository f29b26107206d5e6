import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import {
  byteLabels,
  decimalLabels,
  formatMoment,
  roundedTop,
  tickStep,
  ticks,
  ticksThatFit,
  timeLabels,
  timeStep,
  timeTicks,
  type ValueKind,
} from '@/lib/chart-scale';
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

/** How the value axis is ticked and labelled: round decimal or binary steps, and a unit after each. */
export interface ValueAxis {
  kind: ValueKind;
  suffix: string;
}

const DECIMAL_AXIS: ValueAxis = { kind: 'decimal', suffix: '' };

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
  /** Formats values in the legend and the text alternative. */
  formatValue: (value: number) => string;
  axis?: ValueAxis;
  /**
   * Stacked areas: each series is drawn on top of the ones after it (`data` holds running
   * totals, first series on top); `values` holds each series' own values for the legend.
   */
  stack?: { values: (number | null)[][] };
  /** Drag across the chart to zoom: called with the chosen window in unix seconds. */
  onZoom?: (from: number, to: number) => void;
  /** Fixed y bounds; a missing one follows the data (from 0 up). */
  yMin?: number;
  yMax?: number;
  height?: number;
  label: string;
  testId?: string;
  bands?: ChartBand[];
}

/** The newest point with any value: history often ends in a bucket not filled yet. */
function latestIndex(data: uPlot.AlignedData): number | null {
  for (let idx = (data[0]?.length ?? 0) - 1; idx >= 0; idx -= 1) {
    if (data.some((values, i) => i > 0 && values[idx] != null)) return idx;
  }
  return null;
}

/** Without a hovering cursor the legend shows the newest values instead of dashes. */
function showLatestInLegend(plot: uPlot): void {
  if ((plot.cursor.left ?? -1) >= 0) return;
  const idx = latestIndex(plot.data);
  if (idx !== null) plot.setLegend({ idx });
}

/** What a screen reader is told instead of the picture: the newest value of each series. */
export function chartSummary(
  label: string,
  series: ChartSeries[],
  data: uPlot.AlignedData,
  own: (number | null)[][] | undefined,
  formatValue: (value: number) => string,
  span: number,
): string {
  const idx = latestIndex(data);
  if (idx === null) return `${label}: no data.`;
  const at = data[0]?.[idx];
  const parts = series
    .filter((s) => !s.faint)
    .map((s, i) => {
      const v = own ? own[i]?.[idx] : data[i + 1]?.[idx];
      return `${s.label} ${v == null ? 'no data' : formatValue(v)}`;
    });
  return `${label}. Latest${at == null ? '' : ` (${formatMoment(at, span)})`}: ${parts.join(', ')}.`;
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
  axis = DECIMAL_AXIS,
  stack,
  onZoom,
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
  const seriesRef = useRef(series);
  const bandsRef = useRef(bands);
  const stackRef = useRef(stack);
  const onZoomRef = useRef(onZoom);
  const figureRef = useRef<HTMLElement>(null);
  // The labels last drawn on each axis (the canvas has no text to read back), told on the figure.
  const ticksRef = useRef<{ x: string[]; y: string[] }>({ x: [], y: [] });
  const theme = useTheme();

  dataRef.current = data;
  xRangeRef.current = xRange;
  formatValueRef.current = formatValue;
  seriesRef.current = series;
  bandsRef.current = bands;
  stackRef.current = stack;
  onZoomRef.current = onZoom;
  const stacked = stack !== undefined;
  const zoomable = onZoom !== undefined;

  const seriesKey = series
    .map((s) => `${s.label}\u0000${s.color}\u0000${s.fill ? 1 : 0}\u0000${s.faint ? 1 : 0}\u0000${s.dash?.join(',') ?? ''}`)
    .join('\u0001');

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const axisColor = cssVar('--chart-axis', '#9aa7b6');
    const grid = cssVar('--chart-grid', 'rgba(148,163,184,0.12)');
    const axisFont = '11px ui-sans-serif, system-ui, sans-serif';
    const bandColors = { crit: cssVar('--ev-crit', '#dc2626'), warn: cssVar('--ev-warn', '#f59e0b') };

    /** An axis in the chart's style, whose tick labels are also kept for the figure's data
     * attributes: `label` is given the ticks and their step (`loneStep` when there is one tick). */
    const chartAxis = (
      key: 'x' | 'y',
      size: number,
      space: number,
      splitsOf: uPlot.Axis['splits'],
      loneStep: (u: uPlot, splits: number[]) => number,
      label: (splits: number[], step: number) => string[],
    ): uPlot.Axis => ({
      stroke: axisColor,
      font: axisFont,
      size,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      space,
      splits: splitsOf,
      values: (u, splits) => {
        const step = splits.length > 1 ? (splits[1] ?? 0) - (splits[0] ?? 0) : loneStep(u, splits);
        const labels = label(splits, step);
        ticksRef.current[key] = labels;
        return labels;
      },
    });

    const ySpace = 32;
    const xSpace = 96;
    // From the chart's fixed height (less the time axis), so the scale's rounded top and the
    // ticks agree: uPlot sizes the plot box only after it has asked for the range.
    const yTicks = ticksThatFit(height - 54, ySpace);
    const opts: uPlot.Options = {
      width: Math.max(160, Math.floor(el.clientWidth)),
      height,
      cursor: { drag: { x: zoomable, y: false, setScale: false } },
      select: { show: zoomable, left: 0, top: 0, width: 0, height: 0 },
      hooks: {
        drawClear: [(u) => drawBands(u, bandsRef.current, bandColors)],
        // Leaving the chart brings the newest values back, not dashes.
        setCursor: [(u) => showLatestInLegend(u)],
        draw: [
          () => {
            const figure = figureRef.current;
            if (!figure) return;
            figure.dataset.xTicks = ticksRef.current.x.join('|');
            figure.dataset.yTicks = ticksRef.current.y.join('|');
          },
        ],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width < 4) return;
            const from = u.posToVal(left, 'x');
            const to = u.posToVal(left + width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onZoomRef.current?.(from, to);
          },
        ],
      },
      legend: { live: true },
      // A stack fills between each series and the one under it, not down to zero.
      bands: stacked ? seriesRef.current.slice(0, -1).map((_s, i) => ({ series: [i + 1, i + 2] as [number, number] })) : undefined,
      scales: {
        x: { time: true, range: () => [xRangeRef.current[0], xRangeRef.current[1]] },
        y: {
          range: (_u, dataMin, dataMax) => {
            const lo = yMin ?? Math.min(0, Number.isFinite(dataMin) ? dataMin : 0);
            if (yMax !== undefined) return [lo, yMax];
            const hiData = Number.isFinite(dataMax) ? dataMax : lo;
            return [lo, roundedTop(lo, hiData, yTicks, axis.kind)];
          },
        },
      },
      axes: [
        chartAxis(
          'x',
          44,
          xSpace,
          (u, _axisIdx, min, max) => timeTicks(min, max, ticksThatFit(u.bbox.width / devicePixelRatio, xSpace)),
          (u) => timeStep(u.scales.x?.min ?? 0, u.scales.x?.max ?? 1, 2),
          timeLabels,
        ),
        chartAxis(
          'y',
          72,
          ySpace,
          (_u, _axisIdx, min, max) => ticks(min, max, yTicks, axis.kind),
          (_u, splits) => tickStep(0, splits[0] ?? 1, 2, axis.kind),
          (splits, step) => (axis.kind === 'bytes' ? byteLabels(splits, step, axis.suffix) : decimalLabels(splits, step, axis.suffix)),
        ),
      ],
      series: [
        {
          value: (_u, v) => {
            if (v == null) return '–';
            const [from, to] = xRangeRef.current;
            return formatMoment(v, to - from);
          },
        },
        ...seriesRef.current.map<uPlot.Series>((s, i) => ({
          label: s.label,
          stroke: s.faint ? `${s.color}66` : s.color,
          width: s.faint ? 1 : 1.5,
          fill: s.fill || stacked ? `${s.color}${stacked ? '55' : '26'}` : undefined,
          dash: s.dash,
          // A null is a gap in the data (the host was silent): never draw across it.
          spanGaps: false,
          points: { show: false },
          value: (_u, v, _seriesIdx, idx) => {
            // A stack draws running totals; the legend tells each series' own value.
            const own = stackRef.current && idx != null ? stackRef.current.values[i]?.[idx] : v;
            return own == null ? '–' : formatValueRef.current(own);
          },
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
  }, [seriesKey, theme, height, yMin, yMax, axis.kind, axis.suffix, stacked, zoomable]);

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
  const summary = chartSummary(label, series, data, stack?.values, formatValue, xRange[1] - xRange[0]);
  return (
    <figure
      ref={figureRef}
      data-testid={testId}
      data-bands={bands.length}
      data-stacked={stacked ? 'true' : undefined}
      aria-label={`${label}${bandNote}`}
      className="m-0 w-full min-w-0"
    >
      <div ref={containerRef} />
      <figcaption className="sr-only" data-testid={testId ? `${testId}-summary` : undefined}>
        {summary}
      </figcaption>
    </figure>
  );
}
