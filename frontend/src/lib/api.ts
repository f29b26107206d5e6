import { endSession, getAccessToken, setAccessToken } from '@/lib/session';

export const API_BASE = '/api/v1';

/** Per-field validation messages, flattened: `{"username": ["This field is required."]}`. */
export type FieldErrors = Record<string, string[]>;

/**
 * An error answered by the hub (`{"error": {"code", "message", "fields"?, "retry_after"?}}`) or a
 * failed request.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldErrors;
  /** Seconds to wait before asking again (429 answers). */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, fields: FieldErrors = {}, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export interface ApiRequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Send the access token and recover from a 401 by refreshing it (default true). */
  auth?: boolean;
}

function buildUrl(path: string, query?: Query): string {
  let url = `${API_BASE}${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** DRF nests messages for lists and objects (`access[0].group_id`); flatten them to one level. */
function flattenFields(value: unknown, prefix: string, out: FieldErrors): void {
  if (typeof value === 'string') {
    (out[prefix || 'non_field_errors'] ??= []).push(value);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const nested = typeof item === 'string' ? prefix : `${prefix}[${index}]`;
      flattenFields(item, nested, out);
    });
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) flattenFields(item, prefix ? `${prefix}.${key}` : key, out);
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `Request failed with status ${response.status}.`;
  const fields: FieldErrors = {};
  let retryAfter: number | null = null;
  try {
    const payload: unknown = await response.json();
    if (isRecord(payload) && isRecord(payload.error)) {
      if (typeof payload.error.code === 'string') code = payload.error.code;
      if (typeof payload.error.message === 'string') message = payload.error.message;
      if (payload.error.fields !== undefined) flattenFields(payload.error.fields, '', fields);
      if (typeof payload.error.retry_after === 'number') retryAfter = payload.error.retry_after;
    }
  } catch {
    // Not JSON (a proxy's error page, an empty body): keep the status-based message.
  }
  return new ApiError(response.status, code, message, fields, retryAfter);
}

/**
 * One human-readable line for an error: the hub's message, followed by its per-field messages
 * when the message alone ("Invalid input.") does not say what is wrong.
 */
export function describeError(error: unknown, fallback = 'Something went wrong. Please try again.'): string {
  if (!isApiError(error)) return fallback;
  if (error.status === 0) return 'Could not reach the Everyst hub. Check that it is running.';
  const details = Object.entries(error.fields).map(([field, messages]) =>
    field === 'non_field_errors' ? messages.join(' ') : `${field}: ${messages.join(' ')}`,
  );
  return details.length > 0 ? `${error.message} ${details.join(' ')}` : error.message;
}

async function send(url: string, options: ApiRequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'Could not reach the Everyst hub.');
  }
}

let refreshInFlight: Promise<string | null> | null = null;

/**
 * Trades the HttpOnly refresh cookie for a new access token: resolves with the token, or with
 * null when the hub refuses the cookie (the session is over); rejects with an ApiError when the
 * hub cannot be reached or fails, so a restarting hub does not log anybody out.
 *
 * Only one refresh runs at a time: the hub rotates (and blacklists) the refresh token, so two
 * parallel refreshes would race and the loser would end the session.
 */
export function refreshAccessToken(): Promise<string | null> {
  if (!refreshInFlight) {
    refreshInFlight = (async () => {
      try {
        const response = await send(`${API_BASE}/auth/refresh`, { method: 'POST' }, null);
        if (response.status === 400 || response.status === 401 || response.status === 403) {
          setAccessToken(null);
          return null;
        }
        if (!response.ok) throw await toApiError(response);
        const payload: unknown = await response.json();
        const token = isRecord(payload) && typeof payload.access === 'string' ? payload.access : null;
        setAccessToken(token);
        return token;
      } finally {
        refreshInFlight = null;
      }
    })();
  }
  return refreshInFlight;
}

/** Calls the hub's REST API; resolves with the decoded JSON body (undefined for 204). */
export async function apiFetch<T>(path: string, options: ApiRequestOptions = {}): Promise<T> {
  const url = buildUrl(path, options.query);
  const useAuth = options.auth ?? true;
  const tokenUsed = useAuth ? getAccessToken() : null;
  let response = await send(url, options, tokenUsed);

  if (response.status === 401 && useAuth) {
    // Another caller may already have refreshed while this request was in flight.
    const current = getAccessToken();
    const token = current && current !== tokenUsed ? current : await refreshAccessToken();
    if (!token) {
      endSession(true);
      throw await toApiError(response);
    }
    response = await send(url, options, token);
    if (response.status === 401) {
      endSession(true);
      throw await toApiError(response);
    }
  }

  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
