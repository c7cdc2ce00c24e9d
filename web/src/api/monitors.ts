import { request } from './client';
import { filterQuery, type MonitorFilter } from '../lib/monitorFilter';
import type { BulkInput, BulkOutcome, Check, CheckList, ExportFormat, Monitor, MonitorInput, MonitorList, MonitorPatch, MonitorSeries, Preview, PreviewInput, Queued } from './types';

/** One page of the monitors `filter` matches, newest first; `cursor` is the previous page's `next_cursor`. */
export const listMonitors = (filter: MonitorFilter = {}, cursor?: string, limit = 50) =>
  request<MonitorList>('/api/v1/monitors', { query: { ...filterQuery(filter), cursor, limit } });

/** `POST /api/v1/monitors/bulk`: one action on monitors named by id or matched by a filter; reports each monitor. */
export const bulkMonitors = (input: BulkInput) =>
  request<BulkOutcome>('/api/v1/monitors/bulk', { method: 'POST', body: input });

export const getMonitor = (id: string) => request<Monitor>(`/api/v1/monitors/${encodeURIComponent(id)}`);

export const createMonitor = (input: MonitorInput) =>
  request<Monitor>('/api/v1/monitors', { method: 'POST', body: input });

export const updateMonitor = (id: string, patch: MonitorPatch) =>
  request<Monitor>(`/api/v1/monitors/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch });

export const setPaused = (id: string, paused: boolean) => updateMonitor(id, { paused });

export const deleteMonitor = (id: string) =>
  request<void>(`/api/v1/monitors/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const runNow = (id: string) =>
  request<Queued>(`/api/v1/monitors/${encodeURIComponent(id)}/check`, { method: 'POST' });

export const listChecks = (monitorId: string, cursor?: string) =>
  request<CheckList>(`/api/v1/monitors/${encodeURIComponent(monitorId)}/checks`, {
    query: { cursor, limit: 50 },
  });

/** `GET /api/v1/monitors/{id}/series`: the latest checks' outcomes and extracted values, oldest first. */
export const getSeries = (monitorId: string, limit = 100) =>
  request<MonitorSeries>(`/api/v1/monitors/${encodeURIComponent(monitorId)}/series`, { query: { limit } });

/**
 * Where a monitor's whole history downloads as a file, oldest check first. A
 * link, not a request: the browser fetches it with the session cookie and
 * streams it to disk, however long the history.
 */
export const historyExportUrl = (monitorId: string, format: ExportFormat) =>
  `/api/v1/monitors/${encodeURIComponent(monitorId)}/checks/export?format=${format}`;

export const getCheck = (monitorId: string, checkId: string) =>
  request<Check>(`/api/v1/monitors/${encodeURIComponent(monitorId)}/checks/${encodeURIComponent(checkId)}`);

/** `POST /api/v1/preview`: fetch and extract once, as a check would. */
export const preview = (input: PreviewInput, signal?: AbortSignal) =>
  request<Preview>('/api/v1/preview', { method: 'POST', body: input, signal });
