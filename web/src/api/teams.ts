import { readNdjson } from '../lib/ndjson';
import { ApiError, capitalise, request, requestResponse } from './client';
import type {
  AcceptedInvitation,
  ImportFormat,
  ImportProgressLine,
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

/** The team's monitors, tags and channel references as a JSON file (no secrets). */
export const teamExportUrl = (teamId: string) => `/api/v1/teams/${encodeURIComponent(teamId)}/export`;

/** A step of an import as it runs: checking destinations, validating or creating. */
export type ImportStep = Extract<ImportProgressLine, { done: number }>;

/**
 * Sends an import file (a text file, or a changedetection.io backup ZIP when
 * `archive`): a dry run (nothing written) unless `dryRun` is false, which
 * creates every entry reported `created` in one transaction. The gateway
 * streams its progress, handed to `onStep` line by line; the promise gives
 * the final report, or rejects with the error that ended the import (then
 * nothing was imported).
 */
export async function importMonitors(
  teamId: string,
  file: Blob,
  format: ImportFormat,
  dryRun: boolean,
  options: { archive?: boolean; onStep?: (step: ImportStep) => void } = {},
): Promise<ImportReport> {
  const response = await requestResponse(`/api/v1/teams/${encodeURIComponent(teamId)}/import`, {
    method: 'POST',
    query: { format, dry_run: String(dryRun) },
    raw: { content: file, type: options.archive ? 'application/zip' : 'text/plain' },
    accept: 'application/x-ndjson',
  });
  if (response.body) {
    for await (const line of readNdjson<ImportProgressLine>(response.body)) {
      if (line.phase === 'done') return line.report;
      if (line.phase === 'failed') {
        throw new ApiError({ status: response.status, code: line.error.code, message: capitalise(line.error.message), requestId: line.error.request_id });
      }
      options.onStep?.(line);
    }
  }
  throw new ApiError({
    status: 0,
    code: 'stream_ended',
    message: 'The connection ended before the import finished. An import completes or is undone as a whole: look at your monitors before trying again.',
  });
}
