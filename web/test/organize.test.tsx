import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Monitor, MonitorListItem } from '../src/api/types';
import { describeOutcome } from '../src/components/BulkActions';
import { Monitors } from '../src/pages/Monitors';
import { json, mockFetch } from './fetch-mock';
import { signedIn } from './session';

function monitor(id: string, name: string, overrides: Partial<Monitor> = {}): MonitorListItem {
  return {
    id,
    team_id: 't1',
    name,
    url: `https://shop.example.com/${id}`,
    condition: '',
    interval_seconds: 3600,
    render: false,
    headers: [],
    cookies: [],
    steps: [],
    paused: false,
    channel_ids: [],
    tags: [],
    run_requested: false,
    next_check_at: new Date(Date.now() + 3_600_000).toISOString(),
    consecutive_failures: 0,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    first_check: 'auto',
    fail_policy: 'hold',
    unjudged_streak: 0,
    failure_alert_after: 3,
    failing: false,
    screenshot: 'never',
    recent: { unit: null, threshold: null, points: [] },
    ...overrides,
  } as MonitorListItem;
}

const shops = { id: 'tag1', team_id: 't1', name: 'Shops', colour: '#16794a', monitor_count: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' };

describe('organizing monitors', () => {
  it('lists what the URL filter names and shows tags as chips', async () => {
    history.replaceState(null, '', '/monitors?tag=Shops&status=failing&q=widget');
    const { calls } = mockFetch({
      'GET /api/v1/monitors': json(200, {
        items: [monitor('m1', 'Widget price', { tags: [{ id: 'tag1', name: 'Shops', colour: '#16794a' }] })],
        next_cursor: null,
        total: 1,
      }),
      'GET /api/v1/tags': json(200, { items: [shops] }),
      'GET /api/v1/channels': json(200, { items: [] }),
    });
    render(signedIn(<Monitors />));
    await screen.findByRole('link', { name: 'Widget price' });
    const list = calls.find((call) => call.url.startsWith('/api/v1/monitors'));
    expect(list?.url).toBe('/api/v1/monitors?tag=Shops&status=failing&q=widget&limit=50');
    const search = screen.getByRole('search', { name: 'Filter monitors' });
    await waitFor(() => expect((within(search).getByLabelText('Tag') as HTMLSelectElement).value).toBe('Shops'));
    expect((within(search).getByLabelText('Status') as HTMLSelectElement).value).toBe('failing');
    expect((within(search).getByLabelText('Search name or URL') as HTMLInputElement).value).toBe('widget');
    const chip = screen.getByRole('list', { name: 'Tags' });
    expect(within(chip).getByRole('link', { name: 'Shops' }).getAttribute('href')).toBe('/monitors?tag=Shops');
    expect(screen.getByText('Failing monitors tagged Shops matching “widget”: 1')).toBeTruthy();
  });

  it('puts a new filter in the URL and lists again', async () => {
    history.replaceState(null, '', '/monitors');
    const { calls } = mockFetch({
      'GET /api/v1/monitors': json(200, { items: [monitor('m1', 'Widget price')], next_cursor: null, total: 1 }),
      'GET /api/v1/tags': json(200, { items: [shops] }),
      'GET /api/v1/channels': json(200, { items: [] }),
    });
    render(signedIn(<Monitors />));
    await screen.findByRole('link', { name: 'Widget price' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'paused' } });
    await waitFor(() => expect(location.search).toBe('?status=paused'));
    await waitFor(() => expect(calls.some((call) => call.url === '/api/v1/monitors?status=paused&limit=50')).toBe(true));
    fireEvent.input(screen.getByLabelText('Search name or URL'), { target: { value: ' 100% off ' } });
    fireEvent.submit(screen.getByRole('search', { name: 'Filter monitors' }));
    await waitFor(() => expect(location.search).toBe('?status=paused&q=100%25+off'));
  });

  it('loads more with the cursor and keeps what it had', async () => {
    history.replaceState(null, '', '/monitors');
    const { calls } = mockFetch({
      'GET /api/v1/monitors': (call) =>
        call.url.includes('cursor=c1')
          ? json(200, { items: [monitor('m2', 'Second')], next_cursor: null, total: 2 })
          : json(200, { items: [monitor('m1', 'First')], next_cursor: 'c1', total: 2 }),
      'GET /api/v1/tags': json(200, { items: [] }),
      'GET /api/v1/channels': json(200, { items: [] }),
    });
    render(signedIn(<Monitors />));
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    await screen.findByRole('link', { name: 'Second' });
    expect(screen.getByRole('link', { name: 'First' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(calls.some((call) => call.url === '/api/v1/monitors?cursor=c1&limit=50')).toBe(true);
  });

  it('pauses the selected monitors in one request and says what happened to each', async () => {
    history.replaceState(null, '', '/monitors');
    const { calls } = mockFetch({
      'GET /api/v1/monitors': json(200, { items: [monitor('m1', 'First'), monitor('m2', 'Second')], next_cursor: null, total: 2 }),
      'GET /api/v1/tags': json(200, { items: [] }),
      'GET /api/v1/channels': json(200, { items: [] }),
      'POST /api/v1/monitors/bulk': json(200, {
        action: 'pause',
        succeeded: 1,
        failed: 1,
        results: [
          { id: 'm1', ok: true },
          { id: 'm2', ok: false, error: { code: 'not_found', message: 'no such monitor in a team you are a member of' } },
        ],
      }),
    });
    render(signedIn(<Monitors />));
    fireEvent.click(await screen.findByLabelText('Select First'));
    fireEvent.click(screen.getByLabelText('Select Second'));
    await screen.findByText('2 monitors selected');
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await screen.findByText('Paused 1 monitor. 1 monitor could not be changed: Second: no such monitor in a team you are a member of.');
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({ action: 'pause', ids: ['m1', 'm2'] });
  });

  it('deletes every matching monitor only after a confirmation naming how many', async () => {
    history.replaceState(null, '', '/monitors?tag=Shops');
    const { calls } = mockFetch({
      'GET /api/v1/monitors': json(200, { items: [monitor('m1', 'First'), monitor('m2', 'Second')], next_cursor: 'more', total: 7 }),
      'GET /api/v1/tags': json(200, { items: [shops] }),
      'GET /api/v1/channels': json(200, { items: [] }),
      'POST /api/v1/monitors/bulk': json(200, { action: 'delete', succeeded: 7, failed: 0, results: [] }),
    });
    render(signedIn(<Monitors />));
    fireEvent.click(await screen.findByLabelText('Select every monitor shown'));
    fireEvent.click(await screen.findByRole('button', { name: 'Select all 7 monitors matching' }));
    await screen.findByText('All 7 monitors matching the filter selected');
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'delete' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    const confirmation = await screen.findByRole('group', { name: 'Confirm deletion' });
    expect(confirmation.textContent).toContain('Delete 7 monitors and their whole history?');
    expect(calls.some((call) => call.method === 'POST')).toBe(false);
    fireEvent.click(within(confirmation).getByRole('button', { name: 'Delete 7 monitors' }));
    await screen.findByText('Deleted 7 monitors.');
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({ action: 'delete', filter: { tag: 'Shops' } });
  });

  it('needs a tag before tagging', async () => {
    history.replaceState(null, '', '/monitors');
    mockFetch({
      'GET /api/v1/monitors': json(200, { items: [monitor('m1', 'First')], next_cursor: null, total: 1 }),
      'GET /api/v1/tags': json(200, { items: [shops] }),
      'GET /api/v1/channels': json(200, { items: [] }),
    });
    render(signedIn(<Monitors />));
    fireEvent.click(await screen.findByLabelText('Select First'));
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'add_tag' } });
    const apply = screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement;
    expect(apply.disabled).toBe(true);
    const bar = screen.getByRole('form', { name: 'Act on selected monitors' });
    fireEvent.change(within(bar).getByLabelText('Tag'), { target: { value: 'tag1' } });
    expect(apply.disabled).toBe(false);
  });

  it('describes a bulk answer in a sentence', () => {
    const names = new Map([['m1', 'First']]);
    expect(describeOutcome({ action: 'check_now', succeeded: 2, failed: 0, results: [] }, names)).toBe('Queued a check of 2 monitors.');
  });
});
