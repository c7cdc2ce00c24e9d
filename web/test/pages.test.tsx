import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { Monitor, MonitorListItem } from '../src/api/types';
import { App } from '../src/app';
import { DiffView } from '../src/components/DiffView';
import { MonitorDetail } from '../src/pages/MonitorDetail';
import { MonitorForm } from '../src/pages/MonitorForm';
import { Monitors } from '../src/pages/Monitors';
import { json, mockFetch } from './fetch-mock';
import { me, signedIn } from './session';

function monitor(overrides: Partial<Monitor> = {}): MonitorListItem {
  return {
    id: 'm1',
    team_id: 't1',
    name: 'Widget price',
    url: 'https://shop.example.com/widget',
    css_selector: null,
    json_pointer: null,
    condition: 'below 100',
    interval_seconds: 3600,
    render: false,
    headers: [],
    wait_for: null,
    cookies: [],
    steps: [],
    paused: false,
    channel_ids: [],
    run_requested: false,
    next_check_at: new Date(Date.now() + 3_600_000).toISOString(),
    last_checked_at: null,
    last_status: null,
    last_triggered_at: null,
    consecutive_failures: 0,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    first_check: 'auto',
    condition_holds: null,
    fail_policy: 'hold',
    unjudged_streak: 0,
    failure_alert_after: 3,
    failing: false,
    screenshot: 'never',
    tags: [],
    recent: { unit: null, threshold: null, points: [] },
    ...overrides,
  };
}

describe('the monitors page', () => {
  it('shows a loading state, then an invitation when there are no monitors', async () => {
    mockFetch({ 'GET /api/v1/monitors': json(200, { items: [], next_cursor: null }) });
    render(signedIn(<Monitors />));
    expect(screen.getByRole('status').textContent).toContain('Loading monitors');
    await screen.findByText('No monitors yet');
    expect(screen.getByRole('link', { name: 'Create your first monitor' }).getAttribute('href')).toBe('/monitors/new');
  });

  it('says in words when it is rate limited, and retries on request', async () => {
    let calls = 0;
    mockFetch({
      'GET /api/v1/monitors': () =>
        ++calls === 1
          ? json(429, { error: { code: 'rate_limited', message: 'too many requests', request_id: 'r1' } }, { 'Retry-After': '30' })
          : json(200, { items: [monitor()], next_cursor: null }),
    });
    render(signedIn(<Monitors />));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Too many requests, try again in 30 s.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await screen.findByRole('link', { name: 'Widget price' });
  });

  it('lists monitors with their status and pauses one', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/monitors': json(200, {
        items: [monitor({ last_status: 'fetch_failed', consecutive_failures: 3, last_checked_at: new Date().toISOString() })],
      }),
      'PATCH /api/v1/monitors/m1': json(200, monitor({ paused: true })),
    });
    render(signedIn(<Monitors />));
    await screen.findByText('Fetch failed');
    expect(screen.getByText('3 failures in a row')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Pause Widget price' }));
    await screen.findByRole('button', { name: 'Resume Widget price' });
    expect(calls.at(-1)).toMatchObject({ method: 'PATCH', body: { paused: true } });
  });
});

describe('the monitor page', () => {
  function channel(id: string, name: string, overrides: Record<string, unknown> = {}) {
    return { id, name, team_id: 't1', kind: 'email', target: 'ops@example.com', enabled: true, awaiting_confirmation: false, ...overrides };
  }

  /** The monitor page of a monitor alerting `channelIds`, over an API answering `channels` to the channel list. */
  async function alertsGoTo(channelIds: string[], channels: unknown[] | (() => Response)) {
    const { calls } = mockFetch({
      'GET /api/v1/monitors/m1': json(200, monitor({ channel_ids: channelIds })),
      'GET /api/v1/monitors/m1/checks': json(200, { items: [], next_cursor: null }),
      'GET /api/v1/channels': Array.isArray(channels) ? json(200, { items: channels }) : channels,
    });
    render(signedIn(<MonitorDetail id="m1" />));
    const term = await screen.findByText('Alerts go to');
    return { calls, value: () => term.nextElementSibling?.textContent };
  }

  it('names the channels its alerts go to', async () => {
    const { value } = await alertsGoTo(
      ['c2', 'c1', 'c3'],
      [channel('c1', 'Ops email'), channel('c2', 'Team Slack', { kind: 'slack', enabled: false }), channel('c3', 'Boss', { awaiting_confirmation: true }), channel('c4', 'Unused')],
    );
    await waitFor(() => expect(value()).toBe('Team Slack (off), Ops email, Boss (not confirmed yet)'));
  });

  it('says when alerts go nowhere but here, without asking for channels', async () => {
    const { calls, value } = await alertsGoTo([], [channel('c1', 'Ops email')]);
    expect(value()).toBe('No channel: alerts are only shown here');
    expect(calls.some((call) => call.url === '/api/v1/channels')).toBe(false);
  });

  it('counts the channels when their names cannot be loaded', async () => {
    let failed = false;
    const { value } = await alertsGoTo(['c1', 'c2'], () => {
      failed = true;
      return json(500, { error: { code: 'internal', message: 'boom', request_id: 'r1' } });
    });
    await waitFor(() => expect(failed).toBe(true));
    await new Promise((settled) => setTimeout(settled, 20));
    expect(value()).toBe('2 channels');
  });
});

describe('the history', () => {
  it('lists a run of unchanged checks as one entry with its count, dated by its latest check', async () => {
    const latest = new Date(Date.now() - 5 * 60_000).toISOString();
    mockFetch({
      'GET /api/v1/monitors/m1': json(200, monitor()),
      'GET /api/v1/monitors/m1/checks': json(200, {
        items: [
          {
            id: 'c2',
            monitor_id: 'm1',
            status: 'ok',
            changed: false,
            triggered: false,
            baseline: false,
            summary: null,
            error: null,
            reason: 'schedule',
            http_status: 200,
            duration_ms: 40,
            repeats: 288,
            started_at: '2026-01-01T00:00:00Z',
            finished_at: '2026-01-01T00:00:01Z',
            last_finished_at: latest,
          },
        ],
        next_cursor: null,
      }),
    });
    render(signedIn(<MonitorDetail id="m1" />));
    const text = await screen.findByText('Unchanged 288 times');
    const button = text.closest('button')!;
    expect(within(button).getByText('5 minutes ago')).toBeTruthy();
    fireEvent.click(button);
    expect((await screen.findByTestId('check-repeats')).textContent).toMatch(/^Unchanged 288 times between .+ and .+$/);
  });
});

describe('the history export', () => {
  /** The monitor page over an API whose `GET /api/v1/monitors/m1` answers `monitorAnswers` in turn (the last one repeats). */
  async function monitorPage(...monitorAnswers: (() => Response)[]) {
    let asked = 0;
    const { calls } = mockFetch({
      'GET /api/v1/monitors/m1': () => monitorAnswers[Math.min(asked++, monitorAnswers.length - 1)](),
      'GET /api/v1/monitors/m1/checks': json(200, { items: [], next_cursor: null }),
      'GET /api/v1/monitors/m1/series': json(200, { monitor_id: 'm1', unit: null, threshold: null, points: [] }),
      'POST /auth/refresh': new Response(null, { status: 204 }),
    });
    // The browser's download, which jsdom cannot do: where it would go.
    const downloads: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      const url = new URL(this.href);
      downloads.push(`${url.pathname}${url.search}`);
    });
    render(signedIn(<MonitorDetail id="m1" />));
    await screen.findByRole('heading', { name: 'Widget price' });
    return { calls, downloads };
  }

  const found = () => json(200, monitor());

  it('offers the whole history as CSV and JSON download links', async () => {
    await monitorPage(found);
    const csv = screen.getByRole('link', { name: 'Export history as CSV' });
    const jsonLink = screen.getByRole('link', { name: 'Export history as JSON' });
    expect(csv.getAttribute('href')).toBe('/api/v1/monitors/m1/checks/export?format=csv');
    expect(jsonLink.getAttribute('href')).toBe('/api/v1/monitors/m1/checks/export?format=json');
    expect(csv.hasAttribute('download') && jsonLink.hasAttribute('download')).toBe(true);
    expect(csv.closest('p')?.textContent).toBe('Export history: CSV · JSON');
  });

  it('renews a lapsed session before the browser downloads the file', async () => {
    const expired = () => json(401, { error: { code: 'unauthorized', message: 'authentication required', request_id: 'r1' } });
    const { calls, downloads } = await monitorPage(found, expired, found);
    fireEvent.click(screen.getByRole('link', { name: 'Export history as CSV' }));
    await waitFor(() => expect(downloads).toEqual(['/api/v1/monitors/m1/checks/export?format=csv']));
    expect(calls.map((call) => `${call.method} ${call.url}`).filter((call) => !call.includes('/checks') && !call.includes('/series'))).toEqual([
      'GET /api/v1/monitors/m1',
      'GET /api/v1/monitors/m1',
      'POST /auth/refresh',
      'GET /api/v1/monitors/m1',
    ]);
  });

  it('says why and downloads nothing when the monitor is gone', async () => {
    const gone = () => json(404, { error: { code: 'not_found', message: 'not found', request_id: 'r2' } });
    const { downloads } = await monitorPage(found, gone);
    fireEvent.click(screen.getByRole('link', { name: 'Export history as JSON' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The history could not be exported. Not found.');
    expect(downloads).toEqual([]);
  });
});

describe('the history on a phone', () => {
  // Read from disk: Vitest hands CSS imports over empty, even with ?raw.
  const sheet = readFileSync(`${import.meta.dirname}/../src/styles.css`, 'utf8');

  /** The declarations of the phone layout (the e2e audit runs at 390 px) that apply to `element`. */
  function phoneRules(element: Element): CSSStyleDeclaration[] {
    const rules = Array.from(document.styleSheets).flatMap((styles) => Array.from(styles.cssRules));
    return rules
      .filter((rule): rule is CSSMediaRule => rule instanceof CSSMediaRule && rule.media.mediaText.includes('max-width: 760px'))
      .flatMap((media) => Array.from(media.cssRules))
      .filter((rule): rule is CSSStyleRule => rule instanceof CSSStyleRule && element.matches(rule.selectorText))
      .map((rule) => rule.style);
  }

  it('wraps a long summary on a line of its own instead of widening the page', async () => {
    const style = document.createElement('style');
    style.textContent = sheet;
    document.head.append(style);
    const summary = `The page now lists https://shop.example.com/${'very-long-path-segment-'.repeat(8)} as the only source.`;
    mockFetch({
      'GET /api/v1/monitors/m1': json(200, monitor()),
      'GET /api/v1/monitors/m1/checks': json(200, {
        items: [{ id: 'c1', monitor_id: 'm1', status: 'ok', changed: true, triggered: false, baseline: false, summary, reason: 'schedule', started_at: new Date().toISOString() }],
        next_cursor: null,
      }),
    });
    try {
      render(signedIn(<MonitorDetail id="m1" />));
      const text = await screen.findByText(summary);
      expect(getComputedStyle(text).overflowWrap).toBe('anywhere');
      expect(getComputedStyle(text).minWidth).toBe('0px');
      const button = text.closest('button')!;
      expect(phoneRules(button).some((rule) => rule.flexWrap === 'wrap')).toBe(true);
      expect(phoneRules(text).some((rule) => rule.flexBasis === '100%')).toBe(true);
    } finally {
      style.remove();
    }
  });
});

describe('the monitor form', () => {
  it('validates before sending and sends nothing while fields are invalid', async () => {
    const { calls } = mockFetch({ 'GET /api/v1/channels': json(200, { items: [] }) });
    render(signedIn(<MonitorForm />));
    fireEvent.click(await screen.findByRole('button', { name: 'Create monitor' }));
    expect(screen.getByText('Give it a name.')).toBeTruthy();
    expect(screen.getByText('Enter the address of the page.')).toBeTruthy();
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(0);
    expect(document.getElementById('monitor-name')?.getAttribute('aria-invalid')).toBe('true');
  });

  it('fills the condition from an example chip', async () => {
    mockFetch({ 'GET /api/v1/channels': json(200, { items: [] }) });
    render(signedIn(<MonitorForm />));
    fireEvent.click(await screen.findByRole('button', { name: 'Any new job posting that mentions Rust' }));
    expect((screen.getByLabelText('Alert me when…') as HTMLTextAreaElement).value).toBe('Any new job posting that mentions Rust');
  });

  it("shows the gateway's field messages next to the fields", async () => {
    mockFetch({
      'GET /api/v1/channels': json(200, { items: [] }),
      'POST /api/v1/preview': json(200, { text: 'hello', http_status: 200 }),
      'POST /api/v1/monitors': json(422, {
        error: {
          code: 'validation_failed',
          message: 'url: resolves to a private address',
          request_id: 'r9',
          fields: [{ field: 'url', message: 'resolves to a private address' }],
        },
      }),
    });
    render(signedIn(<MonitorForm />));
    fireEvent.input(await screen.findByLabelText('Name'), { target: { value: 'Router' } });
    fireEvent.input(screen.getByLabelText('Page address'), { target: { value: 'http://192.168.1.1/' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create monitor' }));
    await screen.findByText('Resolves to a private address');
    expect(screen.getByRole('alert').textContent).toContain('Lookout could not save this monitor');
  });

  it('previews the extracted text once typing pauses', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/channels': json(200, { items: [] }),
      'POST /api/v1/preview': json(200, { text: 'Price: 120 EUR', http_status: 200 }),
    });
    render(signedIn(<MonitorForm />));
    const address = await screen.findByLabelText('Page address');
    fireEvent.input(address, { target: { value: 'https://shop.example.com/w' } });
    fireEvent.input(address, { target: { value: 'https://shop.example.com/widget' } });
    await waitFor(() => expect(screen.getByTestId('preview-text').textContent).toBe('Price: 120 EUR'), { timeout: 3000 });
    const previews = calls.filter((call) => call.url === '/api/v1/preview');
    expect(previews).toHaveLength(1);
    expect(previews[0].body).toMatchObject({ url: 'https://shop.example.com/widget' });
  });
});

describe('monitor headers', () => {
  it('shows stored values masked and sends the mask back so they are kept', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/monitors/m1': json(200, monitor({ headers: [{ name: 'cookie', value: '••••••••' }] })),
      'GET /api/v1/channels': json(200, { items: [] }),
      'POST /api/v1/preview': json(200, { text: 'Price: 120 EUR', http_status: 200 }),
      'PATCH /api/v1/monitors/m1': json(200, monitor()),
    });
    render(signedIn(<MonitorForm id="m1" />));
    const value = (await screen.findByLabelText('Value')) as HTMLInputElement;
    expect(value.value).toBe('••••••••');
    expect(value.readOnly).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(calls.some((call) => call.method === 'PATCH')).toBe(true));
    const patch = calls.find((call) => call.method === 'PATCH');
    expect(patch?.body).toMatchObject({ headers: [{ name: 'cookie', value: '••••••••' }] });
  });

  it('replaces a stored value with a new one typed in a password field', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/monitors/m1': json(200, monitor({ headers: [{ name: 'cookie', value: '••••••••' }] })),
      'GET /api/v1/channels': json(200, { items: [] }),
      'POST /api/v1/preview': json(200, { text: 'Price: 120 EUR', http_status: 200 }),
      'PATCH /api/v1/monitors/m1': json(200, monitor()),
    });
    render(signedIn(<MonitorForm id="m1" />));
    fireEvent.click(await screen.findByRole('button', { name: 'Replace' }));
    const value = screen.getByLabelText('Value') as HTMLInputElement;
    expect(value.type).toBe('password');
    fireEvent.input(value, { target: { value: 'session=new' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(calls.some((call) => call.method === 'PATCH')).toBe(true));
    const patch = calls.find((call) => call.method === 'PATCH');
    expect(patch?.body).toMatchObject({ headers: [{ name: 'cookie', value: 'session=new' }] });
  });
});

describe('the diff view', () => {
  it('switches between inline and side by side', () => {
    render(<DiffView diff={'@@ -1,2 +1,2 @@\n a\n-old\n+new\n'} />);
    const inline = screen.getByTestId('diff-inline');
    expect(inline.querySelector('td.diff-text.removed')?.textContent).toBe('removed: old');
    expect(inline.querySelector('td.diff-text.added')?.textContent).toBe('added: new');
    fireEvent.click(screen.getByRole('button', { name: 'Side by side' }));
    const split = screen.getByTestId('diff-split');
    const changed = split.querySelectorAll('tbody tr')[2];
    expect(changed.textContent).toContain('old');
    expect(changed.textContent).toContain('new');
    expect(screen.getByRole('button', { name: 'Side by side' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('never tells a person "No newline at end of file"', () => {
    render(<DiffView diff={'@@ -1 +1 @@\n-old\n\\ No newline at end of file\n+new\n\\ No newline at end of file\n'} />);
    expect(screen.getByTestId('diff-inline').textContent).not.toContain('newline');
    fireEvent.click(screen.getByRole('button', { name: 'Side by side' }));
    const split = screen.getByTestId('diff-split');
    expect(split.textContent).not.toContain('newline');
    const rows = split.querySelectorAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[1].textContent).toBe('1removed: old1added: new');
  });
});

describe('the app', () => {
  it('shows the sign-in page with a Google button when there is no session', async () => {
    mockFetch({
      'GET /api/v1/me': json(401, { error: { code: 'unauthorized', message: 'authentication required', request_id: 'r' } }),
      'POST /auth/refresh': json(401, { error: { code: 'unauthorized', message: 'authentication required', request_id: 'r' } }),
    });
    history.replaceState(null, '', '/monitors/m1/checks/c1#diff');
    render(<App />);
    const button = await screen.findByRole('link', { name: 'Sign in with Google' });
    expect(button.getAttribute('href')).toBe(`/auth/google/login?redirect_to=${encodeURIComponent('/monitors/m1/checks/c1#diff')}`);
    await waitFor(() => expect(document.title).toBe('Sign in · Lookout'));
  });

  it('shows the admin link only to admins', async () => {
    mockFetch({
      'GET /api/v1/me': json(200, { ...me, is_admin: false }),
      'GET /api/v1/monitors': json(200, { items: [] }),
    });
    render(<App />);
    await screen.findByRole('link', { name: 'Monitors' });
    expect(screen.queryByRole('link', { name: 'Admin' })).toBeNull();
  });

  it('shows the admin link to admins', async () => {
    mockFetch({
      'GET /api/v1/me': json(200, { ...me, is_admin: true }),
      'GET /api/v1/monitors': json(200, { items: [] }),
    });
    render(<App />);
    await screen.findByRole('link', { name: 'Admin' });
  });
});

describe('the chat channel form', () => {
  it('adds a Telegram channel with the token sent once and shows the result', async () => {
    const { ChatChannelForm } = await import('../src/components/ChatChannelForm');
    const { calls } = mockFetch({
      'POST /api/v1/channels': json(201, {
        id: 'c1',
        team_id: 't1',
        kind: 'telegram',
        name: 'Phone',
        target: '-1001234567890',
        settings: {},
        enabled: true,
        created_at: '2026-01-01T00:00:00Z',
      }),
    });
    const created: string[] = [];
    render(<ChatChannelForm onCreated={(channel) => created.push(channel.id)} />);
    fireEvent.change(screen.getByLabelText('Service'), { target: { value: 'telegram' } });
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Phone' } });
    fireEvent.input(screen.getByLabelText('Bot token'), { target: { value: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' } });
    fireEvent.input(screen.getByLabelText('Chat id'), { target: { value: '-1001234567890' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add channel' }));
    await waitFor(() => expect(created).toEqual(['c1']));
    expect(calls[0].body).toEqual({
      kind: 'telegram',
      name: 'Phone',
      bot_token: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      chat_id: '-1001234567890',
    });
    expect(screen.getByRole('status').textContent).toContain('-1001234567890');
  });

  it('sends an Apprise URL as is and shows the server’s complaint under the field', async () => {
    const { ChatChannelForm } = await import('../src/components/ChatChannelForm');
    mockFetch({
      'POST /api/v1/channels': json(422, {
        error: {
          code: 'validation_failed',
          message: 'some fields are invalid',
          request_id: 'r1',
          fields: [{ field: 'apprise_url', message: 'must be tgram://BotToken/ChatID' }],
        },
      }),
    });
    render(<ChatChannelForm onCreated={() => {}} />);
    fireEvent.change(screen.getByLabelText('Service'), { target: { value: 'apprise' } });
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Phone' } });
    fireEvent.input(screen.getByLabelText('Apprise URL'), { target: { value: 'tgram://123' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add channel' }));
    await screen.findByText('must be tgram://BotToken/ChatID');
  });

  it('refuses a Telegram chat id that is neither numeric nor a channel name before sending', async () => {
    const { validateChatChannel } = await import('../src/components/ChatChannelForm');
    const errors = validateChatChannel({
      kind: 'telegram',
      name: 'x',
      url: '',
      botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      chatId: 'my chat',
      accessToken: '',
      priority: '',
      tags: '',
    });
    expect(Object.keys(errors)).toEqual(['chat_id']);
  });
});
