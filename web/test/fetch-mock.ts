import { vi } from 'vitest';

export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** Stubs fetch with a router of `METHOD path` → response (or a function making one). */
export function mockFetch(routes: Record<string, Response | ((call: Call) => Response | Promise<Response>)>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const call: Call = {
      url,
      method,
      headers: (init.headers ?? {}) as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    };
    calls.push(call);
    const path = url.split('?')[0];
    const route = routes[`${method} ${path}`] ?? routes[`${method} ${url}`];
    if (!route) return json(404, { error: { code: 'not_found', message: 'not found', request_id: 'r-test' } });
    const response = typeof route === 'function' ? await route(call) : route;
    return response.clone();
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock };
}
