import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Channel, Delivery } from '../src/api/types';
import { Channels } from '../src/pages/Channels';
import { json, mockFetch } from './fetch-mock';

function channel(overrides: Partial<Channel> = {}): Channel {
  return {
    id: 'ch1',
    team_id: 't1',
    kind: 'webhook',
    name: 'Deploy hook',
    target: 'https://hooks.example.com/lookout',
    settings: {},
    enabled: true,
    created_at: '2026-01-01T00:00:00Z',
    health: 'dead',
    last_success_at: '2026-01-01T10:00:00Z',
    last_failure_at: '2026-01-02T10:00:00Z',
    last_failure: 'the webhook receiver answered HTTP 500',
    ...overrides,
  } as Channel;
}

function dead(overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: 'd1',
    team_id: 't1',
    status: 'dead',
    attempts: 8,
    last_error: 'the webhook receiver answered HTTP 500',
    created_at: '2026-01-02T10:00:00Z',
    next_attempt_at: '2026-01-02T10:00:00Z',
    sent_at: null,
    check_id: 'c1',
    monitor_id: 'm1',
    monitor_name: 'Widget price',
    channel_id: 'ch1',
    channel_name: 'Deploy hook',
    channel_kind: 'webhook',
    ...overrides,
  } as Delivery;
}

describe('the channels page', () => {
  it('shows each channel’s health and last failure, and turns a channel off', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/channels': json(200, { items: [channel()] }),
      'GET /api/v1/deliveries': json(200, { items: [], next_cursor: null }),
      'PATCH /api/v1/channels/ch1': json(200, channel({ enabled: false, health: 'disabled' })),
    });
    render(<Channels />);
    const item = await screen.findByTestId('channel-item');
    expect(within(item).getByTestId('channel-health').textContent).toBe('Alerts not delivered');
    expect(item.textContent).toContain('the webhook receiver answered HTTP 500');
    fireEvent.click(within(item).getByRole('button', { name: 'Turn off' }));
    await within(item).findByRole('button', { name: 'Turn on' });
    expect(within(item).getByTestId('channel-health').textContent).toBe('Turned off');
    expect(calls.find((call) => call.method === 'PATCH')?.body).toEqual({ enabled: false });
    expect(await screen.findByText('Every alert reached its channel.')).toBeTruthy();
  });

  it('edits a channel’s name and destination', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/channels': json(200, { items: [channel({ health: 'healthy' })] }),
      'GET /api/v1/deliveries': json(200, { items: [], next_cursor: null }),
      'PATCH /api/v1/channels/ch1': json(200, channel({ name: 'Ops hook', target: 'https://ops.example.com/hook', health: 'healthy' })),
    });
    render(<Channels />);
    const item = await screen.findByTestId('channel-item');
    fireEvent.click(within(item).getByRole('button', { name: 'Edit' }));
    const form = within(item).getByRole('form', { name: 'Edit Deploy hook' });
    fireEvent.input(within(form).getByLabelText('Name'), { target: { value: 'Ops hook' } });
    fireEvent.input(within(form).getByLabelText('New webhook URL'), { target: { value: 'https://ops.example.com/hook' } });
    fireEvent.submit(form);
    await within(item).findByText('Saved.');
    expect(calls.find((call) => call.method === 'PATCH')?.body).toEqual({ name: 'Ops hook', url: 'https://ops.example.com/hook' });
    expect(item.textContent).toContain('https://ops.example.com/hook');
  });

  it('switches a channel to a daily digest at a local time', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/channels': json(200, { items: [channel({ health: 'healthy' })] }),
      'GET /api/v1/deliveries': json(200, { items: [], next_cursor: null }),
      'PATCH /api/v1/channels/ch1': json(
        200,
        channel({ health: 'healthy', delivery: 'daily', digest_at: '07:30', time_zone: 'Europe/Berlin' }),
      ),
    });
    render(<Channels />);
    const item = await screen.findByTestId('channel-item');
    expect(within(item).getByTestId('channel-delivery').textContent).toBe('Each alert at once');
    fireEvent.click(within(item).getByRole('button', { name: 'Edit' }));
    const form = within(item).getByRole('form', { name: 'Edit Deploy hook' });
    fireEvent.click(within(form).getByLabelText('One digest a day'));
    fireEvent.input(within(form).getByLabelText('Time of the daily digest'), { target: { value: '07:30' } });
    fireEvent.input(within(form).getByLabelText('Time zone'), { target: { value: 'Europe/Berlin' } });
    fireEvent.submit(form);
    await within(item).findByText('Saved.');
    expect(calls.find((call) => call.method === 'PATCH')?.body).toEqual({
      name: 'Deploy hook',
      delivery: 'daily',
      digest_at: '07:30',
      time_zone: 'Europe/Berlin',
    });
    expect(within(item).getByTestId('channel-delivery').textContent).toBe('Daily digest at 07:30 (Europe/Berlin)');
  });

  it('sends a pending email channel’s confirmation again', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/channels': json(200, {
        items: [channel({ kind: 'email', target: 'ops@example.com', enabled: false, health: 'awaiting_confirmation', awaiting_confirmation: true })],
      }),
      'GET /api/v1/deliveries': json(200, { items: [], next_cursor: null }),
      'POST /api/v1/channels/ch1/confirmation': json(202, { status: 'sent', address: 'ops@example.com' }),
    });
    render(<Channels />);
    const item = await screen.findByTestId('channel-item');
    fireEvent.click(within(item).getByRole('button', { name: 'Resend confirmation' }));
    await within(item).findByText('We emailed ops@example.com a new confirmation link.');
    expect(calls.some((call) => call.method === 'POST' && call.url === '/api/v1/channels/ch1/confirmation')).toBe(true);
  });

  it('shows a dead digest as one entry with its count', async () => {
    mockFetch({
      'GET /api/v1/channels': json(200, { items: [channel()] }),
      'GET /api/v1/deliveries': json(200, {
        items: [dead({ kind: 'digest', check_id: null, monitor_id: null, monitor_name: null, digest_alerts: 4 })],
        next_cursor: null,
      }),
    });
    render(<Channels />);
    const letter = await screen.findByTestId('dead-letter');
    expect(letter.textContent).toContain('A digest of 4 alerts');
    expect(within(letter).queryByRole('link')).toBeNull();
  });

  it('lists alerts that were not delivered with the error, and sends them again', async () => {
    let deadLetters = [dead()];
    const { calls } = mockFetch({
      'GET /api/v1/channels': json(200, { items: [channel()] }),
      'GET /api/v1/deliveries': () => json(200, { items: deadLetters, next_cursor: null }),
      'POST /api/v1/deliveries/d1/requeue': () => {
        deadLetters = [];
        return json(200, dead({ status: 'pending' }));
      },
    });
    render(<Channels />);
    const letter = await screen.findByTestId('dead-letter');
    expect(letter.textContent).toContain('Widget price');
    expect(letter.textContent).toContain('the webhook receiver answered HTTP 500');
    expect(within(letter).getByRole('link', { name: 'Widget price' }).getAttribute('href')).toBe('/monitors/m1/checks/c1');
    fireEvent.click(within(letter).getByRole('button', { name: 'Send again' }));
    await screen.findByText('The alert to Deploy hook is on its way again.');
    await waitFor(() => expect(screen.queryByTestId('dead-letter')).toBeNull());
    expect(calls.some((call) => call.url.startsWith('/api/v1/deliveries?') && call.url.includes('status=dead'))).toBe(true);
  });
});
