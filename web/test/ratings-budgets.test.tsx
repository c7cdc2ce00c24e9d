import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Check } from '../src/api/types';
import { AlertPrecision, RateAlert } from '../src/components/AlertRating';
import { BudgetsAdmin } from '../src/components/BudgetsAdmin';
import { TeamUsagePanel } from '../src/components/TeamUsage';
import { verdictOf } from '../src/pages/MonitorDetail';
import { json, mockFetch } from './fetch-mock';

const alert = {
  id: 'c1',
  monitor_id: 'm1',
  triggered: true,
  rating: null,
} as unknown as Check;

describe('alert ratings', () => {
  it('rate an alert with one click and refresh the monitor precision', async () => {
    let rated = 0;
    const { calls } = mockFetch({
      'POST /api/v1/monitors/m1/checks/c1/rating': (call) => {
        rated += 1;
        return json(200, { check_id: 'c1', monitor_id: 'm1', rating: (call.body as { rating: string }).rating, rated_at: '2026-01-01T00:00:00Z' });
      },
      'GET /api/v1/monitors/m1/precision': () =>
        json(200, rated === 0 ? { window: 30, rated: 0, useful: 0, noise: 0, precision: null } : { window: 30, rated: 4, useful: 3, noise: 1, precision: 0.75 }),
    });
    render(
      <>
        <AlertPrecision monitorId="m1" />
        <RateAlert check={alert} />
      </>,
    );
    expect(await screen.findByText(/No rated alerts yet/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Noise' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Noise' }).getAttribute('aria-pressed')).toBe('true'));
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({ rating: 'noise' });
    expect(await screen.findByText('75 %')).toBeTruthy();
    expect(screen.getByTestId('alert-precision').textContent).toContain('3 of the last 4 rated alerts (1 noise)');
  });
});

describe('model budgets', () => {
  it('show the team its use per monitor and when it is over budget', async () => {
    mockFetch({
      'GET /api/v1/teams/t1/usage': json(200, {
        team_id: 't1',
        team_name: 'Shop watchers',
        month: '2026-12-01',
        budget: { monthly_tokens: 1000, monthly_calls: null },
        budget_updated_at: '2026-12-01T10:00:00Z',
        used: { tokens: 1050, calls: 3 },
        over_budget: true,
        monitors: [
          { monitor_id: 'm1', monitor_name: 'Espresso', tokens: 1000, calls: 2 },
          { monitor_id: 'm2', monitor_name: null, tokens: 50, calls: 1 },
        ],
      }),
    });
    render(<TeamUsagePanel teamId="t1" />);
    const panel = await screen.findByTestId('team-usage');
    expect(panel.textContent).toContain('1,050 of 1,000 tokens');
    expect(panel.textContent).toContain('3 calls (no limit)');
    expect(panel.textContent).toContain('The monthly budget is used up');
    expect(screen.getByText('Espresso')).toBeTruthy();
    expect(screen.getByText('deleted monitor')).toBeTruthy();
  });

  it('let an administrator set a budget and refuse a limit that is not a whole number', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/admin/budgets': json(200, {
        items: [{ team_id: 't1', team_name: 'Shop watchers', personal: false, budget: null, used: { tokens: 10, calls: 1 }, over_budget: false }],
      }),
      'PUT /api/v1/admin/teams/t1/budget': json(200, { monthly_tokens: 50000, monthly_calls: null }),
    });
    render(<BudgetsAdmin />);
    const tokens = await screen.findByLabelText('Tokens');
    fireEvent.input(tokens, { target: { value: '1.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('A whole number from 1, or empty for no limit')).toBeTruthy();
    expect(calls.some((call) => call.method === 'PUT')).toBe(false);
    fireEvent.input(tokens, { target: { value: '50000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((call) => call.method === 'PUT')).toBe(true));
    expect(calls.find((call) => call.method === 'PUT')?.body).toEqual({ monthly_tokens: 50000, monthly_calls: null });
  });

  it('label a change held because the team is over budget', () => {
    const held = { status: 'judge_unavailable', unjudged_reason: 'over_budget', triggered: false } as unknown as Check;
    expect(verdictOf(held).label).toBe('Over budget (not judged)');
  });
});
