import { useSyncExternalStore } from 'react';
import { getSession, subscribeSession } from '@/lib/session';
import type { ThemePreference } from '@/types/api';

// The colour theme is persisted; of the session, only a non-secret "signed in" hint is (session.ts).
// The user's choice (system, dark or light) is also kept on the hub so it follows them from one
// browser to the next; localStorage only makes the first paint right before the session is back.

export type Theme = 'dark' | 'light';
export type { ThemePreference };

const STORAGE_KEY = 'everyst.theme';
const listeners = new Set<() => void>();
const darkQuery: MediaQueryList | null =
  typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-color-scheme: dark)')
    : null;

function isPreference(value: unknown): value is ThemePreference {
  return value === 'system' || value === 'dark' || value === 'light';
}

function readStored(): ThemePreference {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    // Nothing chosen yet (the login page of a new browser): follow the system, like "system".
    return isPreference(stored) ? stored : 'system';
  } catch {
    return 'system';
  }
}

function resolve(value: ThemePreference): Theme {
  if (value !== 'system') return value;
  // Without media queries (very old browsers) the dashboard's native look is dark.
  return darkQuery === null || darkQuery.matches ? 'dark' : 'light';
}

let preference: ThemePreference = readStored();
let theme: Theme = resolve(preference);

function apply(): void {
  theme = resolve(preference);
  const root = document.documentElement;
  root.classList.toggle('dark', theme === 'dark');
  root.style.colorScheme = theme;
  for (const listener of listeners) listener();
}

let lastServerTheme: string | null = null;

export function initTheme(): void {
  apply();
  darkQuery?.addEventListener('change', () => {
    if (preference === 'system') apply();
  });
  // The hub's copy of the choice wins when a session starts or the user changes it elsewhere.
  subscribeSession(() => {
    const { status, user } = getSession();
    if (status !== 'authenticated' || !user) {
      lastServerTheme = null;
      return;
    }
    const key = `${user.id}:${user.theme}`;
    if (key === lastServerTheme) return;
    lastServerTheme = key;
    if (isPreference(user.theme) && user.theme !== preference) setThemePreference(user.theme);
  });
}

/** Applies a choice at once and remembers it in this browser (saving it on the hub is the caller's job). */
export function setThemePreference(value: ThemePreference): void {
  preference = value;
  try {
    window.localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Private mode or storage disabled: the choice lasts for this page only.
  }
  apply();
}

/** Forces a concrete theme; kept for callers that only know dark and light. */
export function setTheme(value: Theme): void {
  setThemePreference(value);
}

/** Flips to the opposite of what is on screen and returns the new choice. */
export function toggleTheme(): Theme {
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  setThemePreference(next);
  return next;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The theme on screen: `system` already resolved to dark or light. */
export function getTheme(): Theme {
  return theme;
}

export function getThemePreference(): ThemePreference {
  return preference;
}

export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, getTheme);
}

export function useThemePreference(): ThemePreference {
  return useSyncExternalStore(subscribe, getThemePreference);
}
