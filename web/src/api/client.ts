// The one place that talks HTTP to the gateway. Every request is same-origin
// with the session cookie; writes carry the CSRF token the gateway set in the
// readable `lookout_csrf` cookie (double-submit). Errors come back as
// `ApiError` with a sentence a person can read.

import type { FieldError } from './types';

export const CSRF_COOKIE = 'lookout_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** One invalid field of a 422 `validation_failed` answer. */
export type FieldProblem = FieldError;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly fields: FieldProblem[];
  readonly retryAfterSeconds: number | null;

  constructor(options: {
    status: number;
    code: string;
    message: string;
    requestId?: string | null;
    fields?: FieldProblem[];
    retryAfterSeconds?: number | null;
  }) {
    super(options.message);
    this.name = 'ApiError';
    this.status = options.status;
    this.code = options.code;
    this.requestId = options.requestId ?? null;
    this.fields = options.fields ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }

  /** The message of one field, for showing next to its input. */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((problem) => problem.field === field)?.message;
  }
}

export function readCookie(name: string, cookies: string = document.cookie): string | null {
  for (const part of cookies.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** Seconds to wait, from a Retry-After header in seconds or as an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

const GENERIC_MESSAGES: Record<number, string> = {
  400: 'The request could not be read.',
  401: 'Please sign in.',
  403: 'You do not have permission to do that.',
  404: 'Not found. It may have been deleted, or belong to a team you are not in.',
  409: 'That conflicts with something that already exists.',
  413: 'That is too large.',
  422: 'Some fields are not valid.',
  500: 'Something went wrong on our side.',
  502: 'A service behind the gateway failed.',
  503: 'The service is unavailable right now, try again later.',
  504: 'The gateway timed out, try again later.',
};

export function capitalise(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const sentence = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** Turns any non-2xx response into an ApiError with a readable message. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const retryAfterSeconds = parseRetryAfter(response.headers.get('Retry-After'));
  let code = `http_${response.status}`;
  let message: string | undefined;
  let requestId: string | null = response.headers.get('X-Request-ID');
  let fields: FieldProblem[] = [];
  try {
    const body: unknown = await response.json();
    const error = (body as { error?: Record<string, unknown> } | null)?.error;
    if (error && typeof error === 'object') {
      if (typeof error.code === 'string') code = error.code;
      if (typeof error.message === 'string' && error.message.trim()) message = error.message;
      if (typeof error.request_id === 'string') requestId = error.request_id;
      if (Array.isArray(error.fields)) {
        fields = error.fields.filter(
          (field): field is FieldProblem =>
            typeof field === 'object' && field !== null && typeof field.field === 'string' && typeof field.message === 'string',
        );
      }
    }
  } catch {
    // Not JSON (a proxy's HTML error page): the status decides the message.
  }
  let text: string;
  if (response.status === 429) {
    text =
      retryAfterSeconds !== null
        ? `Too many requests, try again in ${retryAfterSeconds} s.`
        : 'Too many requests, try again in a moment.';
  } else if (fields.length > 0) {
    text = fields.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
    text = capitalise(text);
  } else if (message) {
    text = capitalise(message);
  } else {
    text = GENERIC_MESSAGES[response.status] ?? `The request failed (HTTP ${response.status}).`;
  }
  return new ApiError({ status: response.status, code, message: text, requestId, fields, retryAfterSeconds });
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};

/** The app registers what a lost session does (show the sign-in page). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let refreshing: Promise<boolean> | null = null;

/** One refresh at a time: concurrent 401s share it (the token rotates on use). */
function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    refreshing = fetch('/auth/refresh', {
      method: 'POST',
      credentials: 'same-origin',
      headers: csrfHeaders(),
    })
      .then((response) => response.ok)
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

function csrfHeaders(): Record<string, string> {
  const token = readCookie(CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A body sent as it is (a file), with its media type, instead of JSON. */
  raw?: { content: Blob | string; type: string };
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal;
  /** The media type asked for; JSON unless a route streams another. */
  accept?: string;
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = (options.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.raw) headers['Content-Type'] = options.raw.type;
  if (WRITE_METHODS.has(method)) Object.assign(headers, csrfHeaders());
  try {
    return await fetch(buildUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.raw ? options.raw.content : options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({
      status: 0,
      code: 'network_error',
      message: 'Could not reach Lookout. Check your connection and try again.',
    });
  }
}

/**
 * Sends a request and returns the successful response unread, for a body
 * read as it arrives (a stream). A 401 tries one session refresh and the
 * request again; if that fails too, the unauthorized handler runs and the
 * error is thrown.
 */
export async function requestResponse(path: string, options: RequestOptions = {}): Promise<Response> {
  let response = await send(path, options);
  if (response.status === 401 && path.startsWith('/api/') && (await refreshSession())) {
    response = await send(path, options);
  }
  if (!response.ok) {
    const error = await errorFromResponse(response);
    if (response.status === 401) onUnauthorized();
    throw error;
  }
  return response;
}

/** Sends a request and returns the parsed JSON (undefined for 204), as {@link requestResponse}. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await requestResponse(path, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
