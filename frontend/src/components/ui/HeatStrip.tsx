import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { formatMoment } from '@/lib/chart-scale';
import { useTheme } from '@/lib/theme';

interface HeatStripProps {
  /** Column start times in unix seconds, ascending. */
  x: number[];
  /** One row per series, each value 0-100 (or null for no data) per column. */
  rows: (number | null)[][];
  rowLabels: string[];
  /** The visible window in unix seconds. */
  xRange: [number, number];
  formatValue: (value: number) => string;
  label: string;
  testId?: string;
}

/** Cold (idle) to hot (busy); the alpha keeps idle cells quiet on both themes. */
function cellColor(value: number): string {
  const v = Math.min(100, Math.max(0, value)) / 100;
  const hue = 200 - 200 * v;
  return `hsla(${hue.toFixed(0)}, 85%, 52%, ${(0.12 + 0.88 * v).toFixed(2)})`;
}

function rowHeight(rows: number): number {
  return Math.max(3, Math.min(14, Math.floor(220 / Math.max(1, rows))));
}

const formatAt = formatMoment;

/** The key to the colours: idle to busy, as the cells are drawn. */
const SCALE_STOPS = [0, 25, 50, 75, 100];

function ColorScale({ formatValue }: { formatValue: (value: number) => string }) {
  const gradient = `linear-gradient(to right, ${SCALE_STOPS.map((v) => `${cellColor(v)} ${v}%`).join(', ')})`;
  return (
    <div data-testid="heat-scale" aria-hidden="true" className="flex items-center gap-2 text-[10px] text-muted tabular-nums">
      <span>{formatValue(0)}</span>
      <span className="h-2 w-32 rounded-sm border border-border" style={{ background: gradient }} />
      <span>{formatValue(100)}</span>
    </div>
  );
}

/** The newest value of each row, for screen readers. */
function latestSummary(x: number[], rows: (number | null)[][], rowLabels: string[], formatValue: (value: number) => string): string {
  const parts: string[] = [];
  rows.forEach((row, r) => {
    for (let i = x.length - 1; i >= 0; i -= 1) {
      const v = row[i];
      if (v !== null && v !== undefined) {
        parts.push(`${rowLabels[r] ?? r} ${formatValue(v)}`);
        return;
      }
    }
  });
  return parts.length > 0 ? `Latest: ${parts.join(', ')}.` : 'No data.';
}

/**
 * Many series of one kind (CPU cores) as a heat map: one row each, time left to right. Stays
 * readable at 128 cores where 128 lines would not, and draws in one canvas pass.
 */
export function HeatStrip({ x, rows, rowLabels, xRange, formatValue, label, testId }: HeatStripProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<string | null>(null);
  const theme = useTheme();
  const rowH = rowHeight(rows.length);
  const height = rowH * rows.length;

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    setWidth(Math.floor(el.clientWidth));
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width <= 0 || height <= 0) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(width * ratio);
    canvas.height = Math.floor(height * ratio);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const [from, to] = xRange;
    const span = Math.max(1e-9, to - from);
    const scale = width / span;
    // The last column is as wide as the typical step before it.
    const lastStep = x.length > 1 ? (x[x.length - 1] ?? 0) - (x[x.length - 2] ?? 0) : 1;
    rows.forEach((row, r) => {
      const y = r * rowH;
      for (let i = 0; i < x.length; i += 1) {
        const value = row[i];
        const start = x[i];
        if (value === null || value === undefined || start === undefined) continue;
        const end = x[i + 1] ?? start + lastStep;
        const left = (start - from) * scale;
        const right = (end - from) * scale;
        if (right < 0 || left > width) continue;
        ctx.fillStyle = cellColor(value);
        ctx.fillRect(left, y, Math.max(1, right - left), rowH - (rowH > 4 ? 1 : 0));
      }
    });
  }, [x, rows, rowH, height, width, xRange, theme]);

  const onMove = (event: MouseEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const r = Math.floor((event.clientY - rect.top) / rowH);
    const t = xRange[0] + ((event.clientX - rect.left) / Math.max(1, rect.width)) * (xRange[1] - xRange[0]);
    let i = -1;
    for (let k = 0; k < x.length && (x[k] ?? Infinity) <= t; k += 1) i = k;
    const value = i >= 0 ? rows[r]?.[i] : undefined;
    const at = i >= 0 ? (x[i] ?? t) : t;
    const name = rowLabels[r];
    if (name === undefined) {
      setHover(null);
      return;
    }
    setHover(`${name} · ${formatAt(at, xRange[1] - xRange[0])} · ${value === null || value === undefined ? 'no data' : formatValue(value)}`);
  };

  const spanSeconds = xRange[1] - xRange[0];
  return (
    <figure data-testid={testId} aria-label={label} className="m-0 w-full min-w-0">
      <div className="flex gap-2">
        <div className="flex w-12 shrink-0 flex-col justify-between text-[10px] text-muted tabular-nums" style={{ height }}>
          <span>{rowLabels[0]}</span>
          {rowLabels.length > 1 && <span>{rowLabels[rowLabels.length - 1]}</span>}
        </div>
        <div ref={containerRef} className="min-w-0 flex-1">
          <canvas
            ref={canvasRef}
            role="img"
            aria-label={label}
            style={{ width: '100%', height, display: 'block' }}
            className="rounded-sm bg-track/40"
            onMouseMove={onMove}
            onMouseLeave={() => setHover(null)}
          />
        </div>
      </div>
      <div className="mt-1 flex justify-between gap-2 pl-14 text-[11px] text-muted tabular-nums">
        <span>{formatAt(xRange[0], spanSeconds)}</span>
        <span className="truncate text-fg">{hover ?? ''}</span>
        <span>{formatAt(xRange[1], spanSeconds)}</span>
      </div>
      <div className="mt-1 pl-14">
        <ColorScale formatValue={formatValue} />
      </div>
      <figcaption className="sr-only">
        {label}. {latestSummary(x, rows, rowLabels, formatValue)}
      </figcaption>
    </figure>
  );
}
