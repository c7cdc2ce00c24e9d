import { request } from './client';
import type {
  AcceptedInvitation,
  ImportFormat,
  ImportReport,
  Invitation,
  InvitationInput,
  InvitationList,
  Member,
  MemberList,
  ReceivedInvitationList,
  RoleChange,
  Team,
  TeamInput,
  TeamList,
} from './types';

export const listTeams = () => request<TeamList>('/api/v1/teams');

export const createTeam = (name: string) =>
  request<Team>('/api/v1/teams', { method: 'POST', body: { name } satisfies TeamInput });

const members = (teamId: string) => `/api/v1/teams/${encodeURIComponent(teamId)}/members`;

export const listMembers = (teamId: string) => request<MemberList>(members(teamId));

const invitations = (teamId: string) => `/api/v1/teams/${encodeURIComponent(teamId)}/invitations`;

export const listInvitations = (teamId: string) => request<InvitationList>(invitations(teamId));

export const invite = (teamId: string, email: string, role: string) =>
  request<Invitation>(invitations(teamId), { method: 'POST', body: { email, role } satisfies InvitationInput });

export const withdrawInvitation = (teamId: string, invitationId: string) =>
  request<void>(`${invitations(teamId)}/${encodeURIComponent(invitationId)}`, { method: 'DELETE' });

export const listReceivedInvitations = () => request<ReceivedInvitationList>('/api/v1/invitations');

export const acceptInvitation = (invitationId: string) =>
  request<AcceptedInvitation>(`/api/v1/invitations/${encodeURIComponent(invitationId)}/accept`, { method: 'POST' });

export const declineInvitation = (invitationId: string) =>
  request<void>(`/api/v1/invitations/${encodeURIComponent(invitationId)}/decline`, { method: 'POST' });

export const changeRole = (teamId: string, userId: string, role: string) =>
  request<Member>(`${members(teamId)}/${encodeURIComponent(userId)}`, { method: 'PATCH', body: { role } satisfies RoleChange });

export const removeMember = (teamId: string, userId: string) =>
  request<void>(`${members(teamId)}/${encodeURIComponent(userId)}`, { method: 'DELETE' });

/** The team's monitors and channel references as a JSON file (no secrets). */
export const teamExportUrl = (teamId: string) => `/api/v1/teams/${encodeURIComponent(teamId)}/export`;

/**
 * Sends an import file: a dry run (nothing written) unless `dryRun` is false,
 * which creates every entry reported `created` in one transaction.
 */
export const importMonitors = (teamId: string, file: Blob, format: ImportFormat, dryRun: boolean) =>
  request<ImportReport>(`/api/v1/teams/${encodeURIComponent(teamId)}/import`, {
    method: 'POST',
    query: { format, dry_run: String(dryRun) },
    raw: { content: file, type: 'text/plain' },
  });
