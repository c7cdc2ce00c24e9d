import { request } from './client';
import type { AuditPage, SystemHealth, Usage } from './types';

export const systemHealth = () => request<SystemHealth>('/api/v1/admin/system-health');

export const usage = () => request<Usage>('/api/v1/admin/usage');

export const audit = (cursor?: string) =>
  request<AuditPage>('/api/v1/admin/audit', { query: { cursor, limit: 50 } });
