import { request } from './client';
import type { AuditEntry, Page, SystemHealth, Usage } from './types';

export const systemHealth = () => request<SystemHealth>('/api/v1/admin/system-health');

export const usage = () => request<Usage>('/api/v1/admin/usage');

export const audit = (cursor?: string) =>
  request<Page<AuditEntry>>('/api/v1/admin/audit', { query: { cursor, limit: 50 } });
