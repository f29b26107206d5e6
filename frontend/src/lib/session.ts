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

// One non-secret hint is kept in localStorage: that this browser signed in and has not signed
// out. Without it a page load does not ask the hub to refresh: a browser that never logged in
// (or logged out) has no refresh cookie, and the request could only fail.
const SIGNED_IN_KEY = 'everyst.signed-in';

function setSignedIn(signedIn: boolean): void {
  try {
    if (signedIn) window.localStorage.setItem(SIGNED_IN_KEY, '1');
    else window.localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    // Storage disabled: the next page load simply asks the hub.
  }
}

/** Whether a refresh cookie may exist: false once this browser logged out or its session ended. */
export function maySignInSilently(): boolean {
  try {
    return window.localStorage.getItem(SIGNED_IN_KEY) !== null;
  } catch {
    return true;
  }
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
  setSignedIn(true);
  emit({ status: 'authenticated', user, expired: false });
}

/** Replaces the signed-in user's details (after a profile change) without touching the token. */
export function updateSessionUser(user: User): void {
  if (state.status !== 'authenticated' || !state.user || state.user.id !== user.id) return;
  emit({ ...state, user });
}

/**
 * Ends the session in this tab; `expired` tells the login page it was not the user's choice.
 * `maybeResumable` (the hub could not be reached) keeps the next page load trying the cookie.
 */
export function endSession(expired: boolean, maybeResumable = false): void {
  accessToken = null;
  if (!maybeResumable) setSignedIn(false);
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
