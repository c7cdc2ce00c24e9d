import { request } from './client';
import type { Member, MemberInput, MemberList, RoleChange, Team, TeamInput, TeamList } from './types';

export const listTeams = () => request<TeamList>('/api/v1/teams');

export const createTeam = (name: string) =>
  request<Team>('/api/v1/teams', { method: 'POST', body: { name } satisfies TeamInput });

const members = (teamId: string) => `/api/v1/teams/${encodeURIComponent(teamId)}/members`;

export const listMembers = (teamId: string) => request<MemberList>(members(teamId));

export const addMember = (teamId: string, email: string, role: string) =>
  request<Member>(members(teamId), { method: 'POST', body: { email, role } satisfies MemberInput });

export const changeRole = (teamId: string, userId: string, role: string) =>
  request<Member>(`${members(teamId)}/${encodeURIComponent(userId)}`, { method: 'PATCH', body: { role } satisfies RoleChange });

export const removeMember = (teamId: string, userId: string) =>
  request<void>(`${members(teamId)}/${encodeURIComponent(userId)}`, { method: 'DELETE' });
