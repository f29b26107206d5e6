import { useSyncExternalStore } from 'react';
import type { User } from '@/types/api';

// The access token lives in this module's memory only: never in localStorage or a cookie we
// can read, so a script injected into the page cannot lift it from storage. The refresh token
// is an HttpOnly cookie the browser sends to /api/v1/auth/ by itself.

export type SessionStatus = 'restoring' | 'authenticated' | 'anonymous';

export interface SessionState {
  status: SessionStatus;
  user: User | null;
  /** Set when the session ended on its own (refresh refused), so the login page can say so. */
  expired: boolean;
}

let accessToken: string | null = null;
let state: SessionState = { status: 'restoring', user: null, expired: false };
const listeners = new Set<() => void>();

function emit(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

export function getAccessToken(): string | null {
  return accessToken;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

export function startSession(token: string, user: User): void {
  accessToken = token;
  emit({ status: 'authenticated', user, expired: false });
}

/** Replaces the signed-in user's details (after a profile change) without touching the token. */
export function updateSessionUser(user: User): void {
  if (state.status !== 'authenticated' || !state.user || state.user.id !== user.id) return;
  emit({ ...state, user });
}

/** Ends the session in this tab; `expired` tells the login page it was not the user's choice. */
export function endSession(expired: boolean): void {
  accessToken = null;
  if (state.status === 'anonymous' && state.expired === expired) return;
  emit({ status: 'anonymous', user: null, expired });
}

export function getSession(): SessionState {
  return state;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribeSession, getSession);
}
