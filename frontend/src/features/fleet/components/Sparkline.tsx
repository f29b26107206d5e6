import { memo } from 'react';
import { SPARK_WINDOW_MS, type Spark } from '../store/spark';

const WIDTH = 96;
const HEIGHT = 24;

/** A 5-minute CPU trend as one SVG polyline: no chart library per row. */
export const Sparkline = memo(function Sparkline({
  spark,
  version,
  now,
  label,
}: {
  spark: Spark | undefined;
  /** The spark's version when rendered: a new one redraws. */
  version: number;
  now: number;
  label: string;
}) {
  const start = now - SPARK_WINDOW_MS;
  let path = '';
  let count = 0;
  spark?.forEach((ts, raw) => {
    if (ts < start) return;
    const value = Math.min(100, Math.max(0, raw));
    const x = ((ts - start) / SPARK_WINDOW_MS) * WIDTH;
    const y = HEIGHT - 1 - (value / 100) * (HEIGHT - 2);
    path += `${x.toFixed(1)},${y.toFixed(1)} `;
    count += 1;
  });
  return (
    <svg
      role="img"
      aria-label={label}
      data-version={version}
      data-testid="fleet-sparkline"
      data-points={count}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      className="block shrink-0 text-accent"
    >
      <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="stroke-border" strokeWidth="1" />
      {path && <polyline points={path} fill="none" stroke="currentColor" strokeWidth="1.25" strokeLinejoin="round" />}
    </svg>
  );
});
