import { useSyncExternalStore } from 'react';

// Only the colour theme is persisted; nothing about the session ever touches localStorage.

export type Theme = 'dark' | 'light';

const STORAGE_KEY = 'everyst.theme';
const listeners = new Set<() => void>();

function readStored(): Theme {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === 'light' ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

let theme: Theme = readStored();

function apply(value: Theme): void {
  const root = document.documentElement;
  root.classList.toggle('dark', value === 'dark');
  root.style.colorScheme = value;
}

export function initTheme(): void {
  apply(theme);
}

export function setTheme(value: Theme): void {
  theme = value;
  apply(value);
  try {
    window.localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Private mode or storage disabled: the choice lasts for this page only.
  }
  for (const listener of listeners) listener();
}

export function toggleTheme(): void {
  setTheme(theme === 'dark' ? 'light' : 'dark');
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function getTheme(): Theme {
  return theme;
}

export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, getTheme);
}
