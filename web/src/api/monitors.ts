import { request } from './client';
import type { Check, Monitor, MonitorInput, Page, Preview } from './types';

export const listMonitors = (cursor?: string) =>
  request<Page<Monitor>>('/api/v1/monitors', { query: { cursor, limit: 100 } });

export const getMonitor = (id: string) => request<Monitor>(`/api/v1/monitors/${encodeURIComponent(id)}`);

export const createMonitor = (input: MonitorInput) =>
  request<Monitor>('/api/v1/monitors', { method: 'POST', body: input });

export const updateMonitor = (id: string, patch: Partial<MonitorInput>) =>
  request<Monitor>(`/api/v1/monitors/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch });

export const setPaused = (id: string, paused: boolean) => updateMonitor(id, { paused });

export const deleteMonitor = (id: string) =>
  request<void>(`/api/v1/monitors/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const runNow = (id: string) =>
  request<{ status: string }>(`/api/v1/monitors/${encodeURIComponent(id)}/check`, { method: 'POST' });

export const listChecks = (monitorId: string, cursor?: string) =>
  request<Page<Check>>(`/api/v1/monitors/${encodeURIComponent(monitorId)}/checks`, {
    query: { cursor, limit: 50 },
  });

export const getCheck = (monitorId: string, checkId: string) =>
  request<Check>(`/api/v1/monitors/${encodeURIComponent(monitorId)}/checks/${encodeURIComponent(checkId)}`);

export interface PreviewInput {
  url: string;
  css_selector?: string | null;
  json_pointer?: string | null;
  xpath?: string | null;
  json_path?: string | null;
  jq_filter?: string | null;
  render?: boolean;
}

/** `POST /api/v1/preview` (not in the gateway yet): fetch and extract once. */
export async function preview(input: PreviewInput, signal?: AbortSignal): Promise<Preview> {
  const body = await request<Record<string, unknown>>('/api/v1/preview', { method: 'POST', body: input, signal });
  // Tolerates either name for the text until the route exists.
  const text = body.text ?? body.extracted_text ?? body.content ?? '';
  return {
    outcome: typeof body.outcome === 'string' ? body.outcome : undefined,
    detail: typeof body.detail === 'string' ? body.detail : null,
    text: typeof text === 'string' ? text : JSON.stringify(text, null, 2),
    http_status: typeof body.http_status === 'number' ? body.http_status : null,
    final_url: typeof body.final_url === 'string' ? body.final_url : null,
    truncated: body.truncated === true,
  };
}
