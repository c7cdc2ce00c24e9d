import { request } from './client';
import type { QuotaOverrides, TeamQuotas, TeamQuotasList } from './types';

export const teamQuotas = (teamId: string) => request<TeamQuotas>(`/api/v1/teams/${encodeURIComponent(teamId)}/quotas`);

export const listQuotas = () => request<TeamQuotasList>('/api/v1/admin/quotas');

export const setQuotas = (teamId: string, overrides: QuotaOverrides) =>
  request<QuotaOverrides>(`/api/v1/admin/teams/${encodeURIComponent(teamId)}/quotas`, { method: 'PUT', body: overrides });
