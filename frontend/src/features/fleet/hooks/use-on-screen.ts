import { useEffect, useState, type RefObject } from 'react';

// One observer for every tile: off-screen tiles stop listening to their host, so a fleet of
// 2,000 re-renders only the few dozen a user can see.
const callbacks = new WeakMap<Element, (visible: boolean) => void>();
let observer: IntersectionObserver | null = null;

function sharedObserver(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) callbacks.get(entry.target)?.(entry.isIntersecting);
    },
    // A screen's worth ahead, so scrolling shows current tiles rather than catching up.
    { rootMargin: '100% 0px' },
  );
  return observer;
}

export function useOnScreen(ref: RefObject<Element | null>): boolean {
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === 'undefined') {
      setVisible(true);
      return;
    }
    const shared = sharedObserver();
    callbacks.set(element, setVisible);
    shared.observe(element);
    return () => {
      shared.unobserve(element);
      callbacks.delete(element);
    };
  }, [ref]);
  return visible;
}
