import { request } from './client';
import type { Member, Page, Team } from './types';

export const listTeams = () => request<Page<Team>>('/api/v1/teams');

export const createTeam = (name: string) => request<Team>('/api/v1/teams', { method: 'POST', body: { name } });

const members = (teamId: string) => `/api/v1/teams/${encodeURIComponent(teamId)}/members`;

/** Assumed (issue 4): `GET /api/v1/teams/{id}/members`. */
export const listMembers = (teamId: string) => request<Page<Member>>(members(teamId));

/** Assumed (issue 4): `POST /api/v1/teams/{id}/members {email, role}`. */
export const addMember = (teamId: string, email: string, role: string) =>
  request<Member>(members(teamId), { method: 'POST', body: { email, role } });

/** Assumed (issue 4): `PATCH /api/v1/teams/{id}/members/{user_id} {role}`. */
export const changeRole = (teamId: string, userId: string, role: string) =>
  request<Member>(`${members(teamId)}/${encodeURIComponent(userId)}`, { method: 'PATCH', body: { role } });

/** Assumed (issue 4): `DELETE /api/v1/teams/{id}/members/{user_id}`. */
export const removeMember = (teamId: string, userId: string) =>
  request<void>(`${members(teamId)}/${encodeURIComponent(userId)}`, { method: 'DELETE' });
