import { useEffect, type RefObject } from 'react';

/**
 * While a popup is open, Escape or a press outside `inside` (the elements that belong to it)
 * closes it: `close` is told which it was, so it can move the focus back after Escape.
 */
export function useDismiss(open: boolean, inside: readonly RefObject<Element | null>[], close: (by: 'escape' | 'outside') => void): void {
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') close('escape');
    };
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!inside.some((ref) => ref.current?.contains(target))) close('outside');
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
    // `inside` and `close` are new on every render; the listeners only need the latest at event time.
  }, [open]);
}
