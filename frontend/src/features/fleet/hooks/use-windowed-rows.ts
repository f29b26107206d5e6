import { useLayoutEffect, useState } from 'react';

/**
 * Which rows of a list of equal-height rows are on screen, plus `overscan` rows beyond each edge,
 * from where the list sits in the viewport (whatever scrolls): a fleet view mounts only those, so
 * 2,000 hosts cost the DOM, listeners and React state of a few dozen. Rows have one height, so the
 * range is arithmetic rather than measurement. Returns [first, last) row indexes.
 */
export function useWindowedRows(
  list: HTMLElement | null,
  rowCount: number,
  rowPitch: number,
  overscan: number,
): [number, number] {
  const [range, setRange] = useState<[number, number]>(() => [
    0,
    Math.min(rowCount, Math.ceil(window.innerHeight / rowPitch) + overscan),
  ]);
  useLayoutEffect(() => {
    if (!list) return;
    let frame = 0;
    const measure = () => {
      frame = 0;
      const top = list.getBoundingClientRect().top;
      const first = Math.min(rowCount, Math.max(0, Math.floor(-top / rowPitch) - overscan));
      const last = Math.max(first, Math.min(rowCount, Math.ceil((window.innerHeight - top) / rowPitch) + overscan));
      setRange((current) => (current[0] === first && current[1] === last ? current : [first, last]));
    };
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(measure);
    };
    measure();
    window.addEventListener('scroll', schedule, { capture: true, passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      if (frame !== 0) cancelAnimationFrame(frame);
      window.removeEventListener('scroll', schedule, { capture: true });
      window.removeEventListener('resize', schedule);
    };
  }, [list, rowCount, rowPitch, overscan]);
  return range;
}

/** How many columns a CSS grid lays out: an auto-fill grid's count follows its width. */
export function useGridColumns(grid: HTMLElement | null): number {
  const [columns, setColumns] = useState(1);
  useLayoutEffect(() => {
    if (!grid) return;
    const measure = () => {
      const tracks = getComputedStyle(grid).gridTemplateColumns.split(' ').filter((t) => t && t !== 'none');
      setColumns(Math.max(1, tracks.length));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(grid);
    return () => observer.disconnect();
  }, [grid]);
  return columns;
}
