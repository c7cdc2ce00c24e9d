import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/client';
import { createMonitor } from '../src/api/monitors';
import { QuotasAdmin } from '../src/components/QuotasAdmin';
import { TeamQuotasPanel } from '../src/components/TeamQuotas';
import { outcomeLabel } from '../src/lib/outcomes';
import { json, mockFetch } from './fetch-mock';

const quotas = {
  team_id: 't1',
  team_name: 'Shop watchers',
  personal: true,
  updated_at: null,
  quotas: [
    { name: 'monitors', limit: 2, used: 2, overridden: true },
    { name: 'channels', limit: 50, used: 3, overridden: false },
    { name: 'api_keys', limit: 20, used: 1, overridden: false },
    { name: 'renders_per_hour', limit: 600, used: 12, overridden: false },
  ],
};

describe('quotas', () => {
  it('show a team its use against each quota and which one is full', async () => {
    mockFetch({ 'GET /api/v1/teams/t1/quotas': json(200, quotas) });
    render(<TeamQuotasPanel teamId="t1" />);
    const panel = await screen.findByTestId('team-quotas');
    expect(panel.textContent).toContain('Monitors2 of 2limit reachedset by an administrator');
    expect(panel.textContent).toContain('Renders this hour12 of 600');
  });

  it('let an administrator set a team limit and keep the default for empty fields', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/admin/quotas': json(200, { items: [quotas] }),
      'PUT /api/v1/admin/teams/t1/quotas': json(200, { monitors: 5, channels: null, api_keys: null, renders_per_hour: null }),
    });
    render(<QuotasAdmin />);
    const monitors = (await screen.findByLabelText('Monitors')) as HTMLInputElement;
    expect(monitors.value).toBe('2');
    fireEvent.input(monitors, { target: { value: '-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('A whole number from 0, or empty for the default')).toBeTruthy();
    fireEvent.input(monitors, { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((call) => call.method === 'PUT')).toBe(true));
    expect(calls.find((call) => call.method === 'PUT')?.body).toEqual({ monitors: 5, channels: null, api_keys: null, renders_per_hour: null });
  });

  it('carry the quota message of a refused creation to the form', async () => {
    const message = 'quota monitors reached: the limit is 2 monitors; delete one first, or ask an administrator to raise it';
    mockFetch({
      'POST /api/v1/monitors': json(403, { error: { code: 'limit_reached', quota: 'monitors', limit: 2, message, request_id: 'r1' } }),
    });
    const error = await createMonitor({} as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('limit_reached');
    expect((error as ApiError).message).toBe('Quota monitors reached: the limit is 2 monitors; delete one first, or ask an administrator to raise it.');
  });

  it('word a check skipped for the render quota', () => {
    expect(outcomeLabel('render_quota')).toBe('Not checked: the team used its renders of this hour');
  });
});
