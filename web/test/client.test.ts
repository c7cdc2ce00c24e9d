import { describe, expect, it, vi } from 'vitest';
import { ApiError, errorFromResponse, parseRetryAfter, readCookie, request, setUnauthorizedHandler } from '../src/api/client';
import { json, mockFetch } from './fetch-mock';

describe('the API client', () => {
  it('turns the gateway error shape into a readable sentence with the request id', async () => {
    const error = await errorFromResponse(
      json(404, { error: { code: 'not_found', message: 'not found', request_id: 'req-1' } }),
    );
    expect(error.message).toBe('Not found.');
    expect(error.code).toBe('not_found');
    expect(error.requestId).toBe('req-1');
  });

  it('lists field problems of a validation error and keeps them per field', async () => {
    const error = await errorFromResponse(
      json(422, {
        error: {
          code: 'validation_failed',
          message: 'name: must not be empty; url: must use https',
          request_id: 'req-2',
          fields: [
            { field: 'name', message: 'must not be empty' },
            { field: 'url', message: 'must use https' },
          ],
        },
      }),
    );
    expect(error.message).toBe('Name: must not be empty; url: must use https.');
    expect(error.fieldMessage('url')).toBe('must use https');
  });

  it('says how long to wait when rate limited', async () => {
    const error = await errorFromResponse(
      json(429, { error: { code: 'rate_limited', message: 'slow down', request_id: null } }, { 'Retry-After': '17' }),
    );
    expect(error.message).toBe('Too many requests, try again in 17 s.');
    expect(error.retryAfterSeconds).toBe(17);
  });

  it('reads Retry-After given as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });

  it('falls back to a message by status when the body is not JSON', async () => {
    const error = await errorFromResponse(new Response('<html>Bad Gateway</html>', { status: 502 }));
    expect(error.message).toBe('A service behind the gateway failed.');
  });

  it('sends the session cookie and the CSRF token on writes only', async () => {
    document.cookie = 'lookout_csrf=token%2F123';
    const { calls } = mockFetch({
      'GET /api/v1/monitors': json(200, { items: [] }),
      'POST /api/v1/monitors': json(201, { id: 'm1' }),
    });
    await request('/api/v1/monitors');
    await request('/api/v1/monitors', { method: 'POST', body: { name: 'x' } });
    expect(calls[0].credentials).toBe('same-origin');
    expect(calls[0].headers['X-CSRF-Token']).toBeUndefined();
    expect(calls[1].credentials).toBe('same-origin');
    expect(calls[1].headers['X-CSRF-Token']).toBe('token/123');
    expect(calls[1].headers['Content-Type']).toBe('application/json');
    expect(calls[1].body).toEqual({ name: 'x' });
  });

  it('refreshes the session once on a 401 and repeats the request', async () => {
    let first = true;
    const { calls } = mockFetch({
      'GET /api/v1/me': () => {
        if (first) {
          first = false;
          return json(401, { error: { code: 'unauthorized', message: 'authentication required', request_id: 'r' } });
        }
        return json(200, { id: 'u1', email: 'a@example.com', teams: [] });
      },
      'POST /auth/refresh': new Response(null, { status: 204 }),
    });
    const me = await request<{ email: string }>('/api/v1/me');
    expect(me.email).toBe('a@example.com');
    expect(calls.map((call) => `${call.method} ${call.url}`)).toEqual(['GET /api/v1/me', 'POST /auth/refresh', 'GET /api/v1/me']);
  });

  it('sends the person to sign in when the session cannot be refreshed', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    mockFetch({
      'GET /api/v1/me': json(401, { error: { code: 'unauthorized', message: 'authentication required', request_id: 'r' } }),
      'POST /auth/refresh': json(401, { error: { code: 'unauthorized', message: 'no session', request_id: 'r' } }),
    });
    await expect(request('/api/v1/me')).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledOnce();
  });

  it('reports an unreachable server in words', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(request('/api/v1/me')).rejects.toMatchObject({ code: 'network_error', message: expect.stringContaining('Could not reach Lookout') });
  });

  it('reads a cookie among others', () => {
    expect(readCookie('lookout_csrf', 'a=1; lookout_csrf=abc=; b=2')).toBe('abc=');
    expect(readCookie('missing', 'a=1')).toBeNull();
  });
});
