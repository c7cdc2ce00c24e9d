import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Me } from '../src/api/types';
import { Teams } from '../src/pages/Teams';
import { json, mockFetch } from './fetch-mock';
import { signedIn } from './session';

const me: Me = {
  id: 'u1',
  email: 'ada@example.com',
  is_admin: false,
  teams: [{ id: 't1', name: 'Ops', personal: false, role: 'owner', created_at: '2026-01-01T00:00:00Z' }],
};

const ops = { id: 't1', name: 'Ops', personal: false, role: 'owner', created_at: '2026-01-01T00:00:00Z' };
const member = { user_id: 'u1', email: 'ada@example.com', display_name: '', role: 'owner', joined_at: '2026-01-01T00:00:00Z' };

function page() {
  return signedIn(<Teams />, me);
}

describe('the teams page', () => {
  it('invites by email, lists the open invitation and withdraws it', async () => {
    const invitation = {
      id: 'i1',
      team_id: 't1',
      email: 'bob@example.com',
      role: 'member',
      created_at: '2026-01-01T00:00:00Z',
      expires_at: '2026-01-15T00:00:00Z',
    };
    const { calls } = mockFetch({
      'GET /api/v1/teams': json(200, { items: [ops] }),
      'GET /api/v1/invitations': json(200, { items: [] }),
      'GET /api/v1/teams/t1/members': json(200, { items: [member] }),
      'GET /api/v1/teams/t1/invitations': json(200, { items: [] }),
      'POST /api/v1/teams/t1/invitations': json(201, invitation),
      'DELETE /api/v1/teams/t1/invitations/i1': new Response(null, { status: 204 }),
    });
    render(page());
    fireEvent.input(await screen.findByLabelText('Invite by email'), { target: { value: 'bob@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }));
    await screen.findByText(/Invitation sent to bob@example.com/);
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({ email: 'bob@example.com', role: 'member' });
    fireEvent.click(screen.getByRole('button', { name: 'Withdraw the invitation to bob@example.com' }));
    await waitFor(() => expect(screen.queryByTestId('pending-invitation')).toBeNull());
  });

  it('shows invitations for the signed-in person and joins the team on accept', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/teams': json(200, { items: [] }),
      'GET /api/v1/invitations': json(200, {
        items: [
          {
            id: 'i9',
            team_id: 't9',
            team_name: 'Platform',
            role: 'member',
            invited_by: 'carol@example.com',
            created_at: '2026-01-01T00:00:00Z',
            expires_at: '2026-01-15T00:00:00Z',
          },
        ],
      }),
      'POST /api/v1/invitations/i9/accept': json(200, { team_id: 't9', role: 'member' }),
    });
    render(page());
    await screen.findByText(/Invited by carol@example.com/);
    fireEvent.click(screen.getByRole('button', { name: 'Join Platform' }));
    await waitFor(() => expect(screen.queryByTestId('received-invitation')).toBeNull());
    expect(calls.some((call) => call.method === 'POST' && call.url.endsWith('/api/v1/invitations/i9/accept'))).toBe(true);
  });
});
