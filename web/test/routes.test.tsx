import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Check } from '../src/api/types';
import { App } from '../src/app';
import { match, routedLink, upgradeHashRoute } from '../src/lib/router';
import { json, mockFetch } from './fetch-mock';
import { me } from './session';

const unauthorized = json(401, { error: { code: 'unauthorized', message: 'authentication required', request_id: 'r' } });

function check(overrides: Partial<Check> = {}): Check {
  return {
    id: 'c1',
    monitor_id: 'm1',
    status: 'ok',
    changed: true,
    triggered: true,
    baseline: false,
    first_alert: false,
    summary: 'The price dropped to 90 EUR',
    judge_reason: 'The price is below 100',
    extracted_value: '90',
    confidence: 0.9,
    error: null,
    reason: 'schedule',
    http_status: 200,
    duration_ms: 120,
    judge: 'offline',
    diff: '--- before\n+++ after\n@@ -1 +1 @@\n-Price: 120 EUR\n+Price: 90 EUR\n',
    started_at: '2026-01-01T10:00:00Z',
    finished_at: '2026-01-01T10:00:01Z',
    unjudged_reason: null,
    ...overrides,
  } as Check;
}

describe('path routes', () => {
  it('name every page, the check of a monitor included', () => {
    expect(match('/monitors/m1/checks/c1')).toEqual({ name: 'check', params: { id: 'm1', checkId: 'c1' } });
    expect(match('/monitors/m1')).toEqual({ name: 'monitor', params: { id: 'm1' } });
    expect(match('/channels')).toEqual({ name: 'channels', params: {} });
    expect(match('/').name).toBe('monitors');
    expect(match('/nowhere').name).toBe('not-found');
  });

  it('turn an old hash bookmark into its path', () => {
    history.replaceState(null, '', '/#/monitors/m1');
    upgradeHashRoute();
    expect(location.pathname).toBe('/monitors/m1');
    expect(location.hash).toBe('');
  });

  it('leave the skip link, server paths and new tabs to the browser', () => {
    history.replaceState(null, '', '/monitors');
    const link = (attributes: Record<string, string>) => {
      const anchor = document.createElement('a');
      for (const [name, value] of Object.entries(attributes)) anchor.setAttribute(name, value);
      anchor.textContent = 'x';
      document.body.append(anchor);
      let routed: HTMLAnchorElement | null = null;
      anchor.addEventListener('click', (event) => {
        routed = routedLink(event);
        event.preventDefault();
      });
      anchor.click();
      anchor.remove();
      return routed;
    };
    expect(link({ href: '#main' })).toBeNull();
    expect(link({ href: '/api/v1/monitors' })).toBeNull();
    expect(link({ href: '/auth/google/login' })).toBeNull();
    expect(link({ href: '/channels', target: '_blank' })).toBeNull();
    expect(link({ href: 'https://elsewhere.example/' })).toBeNull();
    expect(link({ href: '/channels' })).not.toBeNull();
    expect(link({ href: '/monitors/m1/checks/c1#diff' })).not.toBeNull();
  });
});

describe('page titles', () => {
  it('say "Page not found" on an unknown path', async () => {
    mockFetch({ 'GET /api/v1/me': json(200, me) });
    history.replaceState(null, '', '/nowhere');
    render(<App />);
    await screen.findByRole('heading', { name: 'Page not found' });
    await waitFor(() => expect(document.title).toBe('Page not found · Lookout'));
  });

  it('say "Sign in" on the sign-in page whatever the path', async () => {
    mockFetch({ 'GET /api/v1/me': unauthorized, 'POST /auth/refresh': unauthorized });
    history.replaceState(null, '', '/monitors');
    render(<App />);
    await screen.findByRole('link', { name: 'Sign in with Google' });
    await waitFor(() => expect(document.title).toBe('Sign in · Lookout'));
  });
});

describe('the check page', () => {
  it('shows the check and its diff, and links back to the monitor', async () => {
    mockFetch({
      'GET /api/v1/me': json(200, me),
      'GET /api/v1/monitors/m1': json(200, { id: 'm1', name: 'Widget price', url: 'https://shop.example/widget' }),
      'GET /api/v1/monitors/m1/checks/c1': json(200, check()),
    });
    history.replaceState(null, '', '/monitors/m1/checks/c1#diff');
    render(<App />);
    await screen.findByRole('heading', { name: 'Check of Widget price', level: 1 });
    expect(screen.getByTestId('check-headline').textContent).toContain('The price dropped to 90 EUR');
    const diff = document.getElementById('diff');
    expect(diff?.textContent).toContain('Price: 90 EUR');
    await waitFor(() => expect(document.activeElement).toBe(diff));
    await waitFor(() => expect(document.title).toBe('Check of Widget price · Lookout'));
    expect(screen.getByRole('link', { name: 'All checks of this monitor' }).getAttribute('href')).toBe('/monitors/m1');
  });

  it('shows the screenshot before the change next to the one after it', async () => {
    const before = '/api/v1/monitors/m1/checks/c0/screenshot';
    const after = '/api/v1/monitors/m1/checks/c1/screenshot';
    mockFetch({
      'GET /api/v1/me': json(200, me),
      'GET /api/v1/monitors/m1': json(200, { id: 'm1', name: 'Widget price', url: 'https://shop.example/widget' }),
      'GET /api/v1/monitors/m1/checks/c1': json(200, check({ screenshot_url: after, previous_screenshot_url: before })),
    });
    history.replaceState(null, '', '/monitors/m1/checks/c1');
    render(<App />);
    await screen.findByRole('heading', { name: 'Before and after' });
    expect(screen.getByAltText('The page at the check before').getAttribute('src')).toBe(before);
    expect(screen.getByAltText('The page at this check').getAttribute('src')).toBe(after);
    fireEvent.click(screen.getByRole('button', { name: 'This check only' }));
    expect(screen.queryByAltText('The page at the check before')).toBeNull();
    expect(screen.getByAltText('The page at this check').getAttribute('src')).toBe(after);
  });

  it('shows no screenshot section for a check that kept none', async () => {
    mockFetch({
      'GET /api/v1/me': json(200, me),
      'GET /api/v1/monitors/m1': json(200, { id: 'm1', name: 'Widget price', url: 'https://shop.example/widget' }),
      'GET /api/v1/monitors/m1/checks/c1': json(200, check()),
    });
    history.replaceState(null, '', '/monitors/m1/checks/c1');
    render(<App />);
    await screen.findByRole('heading', { name: 'Check of Widget price', level: 1 });
    expect(screen.queryByRole('heading', { name: /Screenshot|Before and after/ })).toBeNull();
  });

  it('opens from a link without reloading the page', async () => {
    mockFetch({
      'GET /api/v1/me': json(200, me),
      'GET /api/v1/monitors': json(200, { items: [], next_cursor: null }),
      'GET /api/v1/channels': json(200, { items: [] }),
    });
    history.replaceState(null, '', '/monitors');
    render(<App />);
    const channels = await screen.findByRole('link', { name: 'Channels' });
    fireEvent.click(channels);
    expect(location.pathname).toBe('/channels');
    await screen.findByRole('heading', { name: 'Channels', level: 1 });
    await waitFor(() => expect(document.title).toBe('Channels · Lookout'));
  });
});

describe('the confirmation page', () => {
  it('confirms with a button, without an account, and says what was confirmed', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/me': unauthorized,
      'POST /auth/refresh': unauthorized,
      'POST /api/v1/channels/confirm': json(200, { name: 'Ops', address: 'ops@example.com' }),
    });
    history.replaceState(null, '', '/confirm-channel?token=dev%3Aabc');
    render(<App />);
    const button = await screen.findByRole('button', { name: 'Yes, send me these alerts' });
    expect(calls.some((call) => call.url === '/api/v1/channels/confirm')).toBe(false);
    await waitFor(() => expect(document.title).toBe('Confirm alerts · Lookout'));
    fireEvent.click(button);
    await screen.findByText('Confirmed: alerts of “Ops” now go to ops@example.com.');
    expect(calls.find((call) => call.url === '/api/v1/channels/confirm')?.body).toEqual({ token: 'dev:abc' });
  });
});

describe('the unsubscribe page', () => {
  it('unsubscribes with a button, without an account, and says what stopped', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/me': unauthorized,
      'POST /auth/refresh': unauthorized,
      'POST /api/v1/channels/unsubscribe/abc.def': json(200, { name: 'Ops', address: 'ops@example.com', changed: true }),
    });
    history.replaceState(null, '', '/unsubscribe/abc.def');
    render(<App />);
    const button = await screen.findByRole('button', { name: 'Unsubscribe' });
    expect(calls.some((call) => call.url.includes('/unsubscribe/'))).toBe(false);
    await waitFor(() => expect(document.title).toBe('Unsubscribe · Lookout'));
    fireEvent.click(button);
    await screen.findByText(/Unsubscribed: alerts of “Ops” no longer go to ops@example.com/);
  });
});
