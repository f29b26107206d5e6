import { memo } from 'react';
import { usageLevel, type Level } from '@/lib/metrics';

const FILL: Record<Level, string> = {
  ok: 'bg-ok',
  warning: 'bg-warn',
  critical: 'bg-crit',
};

interface UsageBarProps {
  /** 0-100; null draws an empty track. */
  percent: number | null;
  label: string;
  className?: string;
}

/** A thin usage bar that turns amber at 70 % and red at 90 %. */
export const UsageBar = memo(function UsageBar({ percent, label, className = '' }: UsageBarProps) {
  const level = usageLevel(percent);
  const width = percent === null ? 0 : Math.min(100, Math.max(0, percent));
  return (
    <div
      // A meter must state a value: with none (no swap, no sample yet) the bar is a picture.
      {...(percent === null
        ? { role: 'img', 'aria-label': `${label}: no data` }
        : { role: 'meter', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(width) })}
      data-level={level}
      className={`h-1.5 w-full overflow-hidden rounded-full bg-track ${className}`}
    >
      <div className={`h-full rounded-full ${FILL[level]}`} style={{ width: `${width}%` }} />
    </div>
  );
});

export function levelTextClass(percent: number | null | undefined): string {
  const level = usageLevel(percent);
  if (level === 'critical') return 'text-crit';
  if (level === 'warning') return 'text-warn';
  return 'text-fg';
}
