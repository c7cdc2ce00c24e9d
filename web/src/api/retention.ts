import { request } from './client';
import type { RetentionInput, TeamRetention } from './types';

const path = (teamId: string) => `/api/v1/teams/${encodeURIComponent(teamId)}/retention`;

export const teamRetention = (teamId: string) => request<TeamRetention>(path(teamId));

export const setRetention = (teamId: string, retention: RetentionInput) =>
  request<TeamRetention>(path(teamId), { method: 'PUT', body: retention });
