import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { TeamRetentionPanel } from '../src/components/TeamRetention';
import { json, mockFetch } from './fetch-mock';

const retention = (overrides: Record<string, unknown> = {}) => ({
  team_id: 't1',
  days: 365,
  snapshots: 1000,
  default_days: 365,
  default_snapshots: 1000,
  kept: { checks: 48_213, snapshots: 1_250, snapshot_text_bytes: 3_355_443 },
  can_change: true,
  ...overrides,
});

describe('team retention', () => {
  it('tells a member how long history is kept and what the team keeps now, without a form', async () => {
    mockFetch({ 'GET /api/v1/teams/t1/retention': json(200, retention({ can_change: false, snapshots: null })) });
    render(<TeamRetentionPanel teamId="t1" />);
    const panel = await screen.findByTestId('team-retention');
    expect(panel.textContent).toContain('kept for 365 days, with every snapshot of each monitor');
    expect(panel.textContent).toContain('Checks48,213');
    expect(panel.textContent).toContain('Snapshots1,250 (3.2 MiB of text)');
    expect(panel.textContent).toContain("The team's owners can change this.");
    expect(screen.queryByLabelText('Days kept')).toBeNull();
  });

  it('lets an owner set days and leave snapshots unlimited, checking the numbers first', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/teams/t1/retention': json(200, retention()),
      'PUT /api/v1/teams/t1/retention': json(200, retention({ days: 30, snapshots: null })),
    });
    render(<TeamRetentionPanel teamId="t1" />);
    const days = (await screen.findByLabelText('Days kept')) as HTMLInputElement;
    expect(days.value).toBe('365');
    fireEvent.input(days, { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('A whole number from 1, or empty for no limit')).toBeTruthy();
    expect(calls.some((call) => call.method === 'PUT')).toBe(false);

    fireEvent.input(days, { target: { value: '30' } });
    fireEvent.input(screen.getByLabelText('Snapshots per monitor'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.find((call) => call.method === 'PUT')?.body).toEqual({ days: 30, snapshots: null }));
    await waitFor(() => expect(screen.getByTestId('team-retention').textContent).toContain('kept for 30 days, with every snapshot of each monitor'));
  });

  it('puts the server refusal of a limit under its field', async () => {
    mockFetch({
      'GET /api/v1/teams/t1/retention': json(200, retention()),
      'PUT /api/v1/teams/t1/retention': json(422, {
        error: {
          code: 'validation_failed',
          message: 'days: must be between 1 and 36500, or null for no limit',
          request_id: 'r1',
          fields: [{ field: 'days', message: 'must be between 1 and 36500, or null for no limit' }],
        },
      }),
    });
    render(<TeamRetentionPanel teamId="t1" />);
    fireEvent.input(await screen.findByLabelText('Days kept'), { target: { value: '99999' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const days = screen.getByLabelText('Days kept');
    await waitFor(() => expect(days.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(days.getAttribute('aria-describedby')!)?.textContent).toMatch(/between 1 and 36500/i);
  });
});
