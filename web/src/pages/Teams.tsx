import { useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/client';
import {
  acceptInvitation,
  changeRole,
  createTeam,
  declineInvitation,
  invite as sendInvitation,
  listInvitations,
  listMembers,
  listReceivedInvitations,
  listTeams,
  removeMember,
  withdrawInvitation,
} from '../api/teams';
import type { Invitation, Member, ReceivedInvitation, Team } from '../api/types';
import { absoluteTime } from '../lib/format';
import { AsyncView, Empty, ErrorMessage, FieldError } from '../components/states';
import { TeamQuotasPanel } from '../components/TeamQuotas';
import { TeamRetentionPanel } from '../components/TeamRetention';
import { TeamUsagePanel } from '../components/TeamUsage';
import { TeamTransfer } from '../components/TeamTransfer';
import { useAsync } from '../lib/useAsync';
import { checkEmail, checkName } from '../lib/validation';
import { useSession } from '../session';

function TeamMembers({ team }: { team: Team }) {
  const { me } = useSession();
  const state = useAsync(() => listMembers(team.id), [team.id]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('member');
  const [error, setError] = useState<string | undefined>();
  const [saveError, setSaveError] = useState<unknown>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const owner = team.role === 'owner';
  const managesInvitations = owner && !team.personal;
  // Only owners may see a team's open invitations.
  const pending = useAsync(() => (managesInvitations ? listInvitations(team.id) : Promise.resolve({ items: [] })), [team.id, managesInvitations]);

  const invite = async (event: Event) => {
    event.preventDefault();
    const problem = checkEmail(email);
    setError(problem);
    setSaveError(null);
    setSent(null);
    if (problem) return;
    try {
      const invitation = await sendInvitation(team.id, email.trim(), role);
      // Inviting an address again renews its invitation: one row per address.
      pending.setData((page) => ({ items: [...(page?.items ?? []).filter((item) => item.id !== invitation.id), invitation] }));
      setSent(invitation.email);
      setEmail('');
    } catch (caught) {
      setSaveError(caught);
      if (caught instanceof ApiError) setError(caught.fieldMessage('email'));
    }
  };

  const withdraw = async (invitation: Invitation) => {
    setRowError(null);
    try {
      await withdrawInvitation(team.id, invitation.id);
      pending.setData((page) => ({ items: (page?.items ?? []).filter((item) => item.id !== invitation.id) }));
    } catch (caught) {
      setRowError(`Could not withdraw the invitation to ${invitation.email}: ${describeError(caught)}`);
    }
  };

  const update = async (member: Member, nextRole: string) => {
    setRowError(null);
    try {
      const updated = await changeRole(team.id, member.user_id, nextRole);
      state.setData((page) => ({ ...page!, items: page!.items.map((item) => (item.user_id === member.user_id ? { ...item, ...updated } : item)) }));
    } catch (caught) {
      setRowError(`Could not change the role of ${member.email}: ${describeError(caught)}`);
    }
  };

  const remove = async (member: Member) => {
    if (!window.confirm(`Remove ${member.email} from ${team.name}?`)) return;
    setRowError(null);
    try {
      await removeMember(team.id, member.user_id);
      state.setData((page) => ({ ...page!, items: page!.items.filter((item) => item.user_id !== member.user_id) }));
    } catch (caught) {
      setRowError(`Could not remove ${member.email}: ${describeError(caught)}`);
    }
  };

  const fieldId = `invite-${team.id}`;
  return (
    <div>
      {rowError && (
        <div class="notice error" role="alert">
          {rowError}
        </div>
      )}
      <AsyncView state={state} label="Loading members…">
        {(page) =>
          page.items.length === 0 ? (
            <p class="muted">No members listed.</p>
          ) : (
            <ul class="list">
              {page.items.map((member) => (
                <li class="list-item" key={member.user_id}>
                  <div>
                    <span class="strong">{member.email}</span> {member.user_id === me.id && <span class="badge muted">you</span>}
                  </div>
                  <div class="button-row">
                    {owner && member.user_id !== me.id ? (
                      <>
                        <label class="visually-hidden" for={`role-${team.id}-${member.user_id}`}>
                          Role of {member.email}
                        </label>
                        <select id={`role-${team.id}-${member.user_id}`} value={member.role} onChange={(event) => update(member, event.currentTarget.value)}>
                          <option value="member">member</option>
                          <option value="owner">owner</option>
                        </select>
                        <button type="button" class="danger small-button" onClick={() => remove(member)}>
                          Remove
                        </button>
                      </>
                    ) : (
                      <span class="badge muted">{member.role}</span>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </AsyncView>
      {managesInvitations && (
        <AsyncView state={pending} label="Loading invitations…">
          {(page) =>
            page.items.length > 0 && (
              <>
                <h3>Waiting for an answer</h3>
                <ul class="list" aria-label={`Open invitations to ${team.name}`}>
                  {page.items.map((invitation) => (
                    <li class="list-item" key={invitation.id} data-testid="pending-invitation">
                      <div>
                        <span class="strong">{invitation.email}</span> <span class="badge muted">{invitation.role}</span>
                        <div class="small muted">Invited {absoluteTime(invitation.created_at)}; expires {absoluteTime(invitation.expires_at)}</div>
                      </div>
                      <div class="button-row">
                        <button
                          type="button"
                          class="secondary small-button"
                          aria-label={`Withdraw the invitation to ${invitation.email}`}
                          onClick={() => withdraw(invitation)}
                        >
                          Withdraw
                        </button>
                      </div>
                    </li>
                  ))}
                </ul>
              </>
            )
          }
        </AsyncView>
      )}
      {managesInvitations && (
        <form class="inline-form" onSubmit={invite} noValidate>
          {saveError !== null && !error && <ErrorMessage error={saveError} />}
          {sent && (
            <p class="notice" role="status">
              Invitation sent to {sent}. They join once they accept it after signing in to Lookout.
            </p>
          )}
          <div class="row">
            <div class="grow">
              <label for={fieldId}>Invite by email</label>
              <input
                id={fieldId}
                type="email"
                value={email}
                onInput={(event) => setEmail(event.currentTarget.value)}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${fieldId}-error` : undefined}
                placeholder="colleague@example.com"
              />
              <FieldError id={`${fieldId}-error`} message={error} />
            </div>
            <div>
              <label for={`${fieldId}-role`}>Role</label>
              <select id={`${fieldId}-role`} value={role} onChange={(event) => setRole(event.currentTarget.value)}>
                <option value="member">member</option>
                <option value="owner">owner</option>
              </select>
            </div>
            <div class="align-end">
              <button type="submit">Invite</button>
            </div>
          </div>
        </form>
      )}
      {team.personal && <p class="small muted">Your personal team is only yours. Create a team to share monitors.</p>}
    </div>
  );
}

function ReceivedInvitations({ onJoined }: { onJoined: () => void }) {
  const state = useAsync(() => listReceivedInvitations(), []);
  const [rowError, setRowError] = useState<string | null>(null);

  const answer = async (invitation: ReceivedInvitation, accept: boolean) => {
    setRowError(null);
    try {
      if (accept) await acceptInvitation(invitation.id);
      else await declineInvitation(invitation.id);
      state.setData((page) => ({ items: (page?.items ?? []).filter((item) => item.id !== invitation.id) }));
      if (accept) onJoined();
    } catch (caught) {
      setRowError(`Could not ${accept ? 'accept' : 'decline'} the invitation to ${invitation.team_name}: ${describeError(caught)}`);
    }
  };

  if (!state.data || state.data.items.length === 0) return null;
  return (
    <section class="card" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations for you</h2>
      {rowError && (
        <div class="notice error" role="alert">
          {rowError}
        </div>
      )}
      <ul class="list">
        {state.data.items.map((invitation) => (
          <li class="list-item" key={invitation.id} data-testid="received-invitation">
            <div>
              <span class="strong">{invitation.team_name}</span> <span class="badge muted">{invitation.role}</span>
              <div class="small muted">
                {invitation.invited_by ? `Invited by ${invitation.invited_by}` : 'Invited'}; expires {absoluteTime(invitation.expires_at)}
              </div>
            </div>
            <div class="button-row">
              <button type="button" class="small-button" aria-label={`Join ${invitation.team_name}`} onClick={() => answer(invitation, true)}>
                Join
              </button>
              <button
                type="button"
                class="secondary small-button"
                aria-label={`Decline the invitation to ${invitation.team_name}`}
                onClick={() => answer(invitation, false)}
              >
                Decline
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Teams() {
  const { refreshMe } = useSession();
  const state = useAsync(() => listTeams(), []);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [saveError, setSaveError] = useState<unknown>(null);

  const create = async (event: Event) => {
    event.preventDefault();
    const problem = checkName(name);
    setError(problem);
    setSaveError(null);
    if (problem) return;
    try {
      const team = await createTeam(name.trim());
      state.setData((page) => ({ ...page, items: [...(page?.items ?? []), team] }));
      setName('');
      void refreshMe();
    } catch (caught) {
      setSaveError(caught);
      if (caught instanceof ApiError) setError(caught.fieldMessage('name'));
    }
  };

  return (
    <section>
      <h1>Teams</h1>
      <p class="muted">
        Monitors and channels belong to a team; every member sees and edits them. Owners invite people by email; an invitation is accepted by its invitee after signing in.
      </p>
      <ReceivedInvitations
        onJoined={() => {
          void state.reload();
          void refreshMe();
        }}
      />
      <AsyncView state={state} label="Loading teams…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No teams" />
          ) : (
            <div class="stack">
              {page.items.map((team) => (
                <article class="card" key={team.id}>
                  <h2>
                    {team.name} <span class="badge muted">{team.personal ? 'personal' : team.role}</span>
                  </h2>
                  <TeamMembers team={team} />
                  <TeamQuotasPanel teamId={team.id} />
                  <TeamRetentionPanel teamId={team.id} />
                  <TeamUsagePanel teamId={team.id} />
                  <TeamTransfer team={team} />
                </article>
              ))}
            </div>
          )
        }
      </AsyncView>
      <form class="card" onSubmit={create} noValidate>
        <h2>Create a team</h2>
        {saveError !== null && !error && <ErrorMessage error={saveError} />}
        <label for="team-name">Team name</label>
        <input
          id="team-name"
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'team-name-error' : undefined}
        />
        <FieldError id="team-name-error" message={error} />
        <div class="form-actions">
          <button type="submit">Create team</button>
        </div>
      </form>
    </section>
  );
}
