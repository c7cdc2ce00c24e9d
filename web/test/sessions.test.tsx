import { render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Session } from '../src/api/types';
import { Sessions } from '../src/pages/Sessions';
import { json, mockFetch } from './fetch-mock';

const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const HOUR = 3_600_000;

function session(overrides: Partial<Session>): Session {
  const now = Date.now();
  return {
    id: 's1',
    current: false,
    user_agent: CHROME_LINUX,
    ip: '203.0.113.7',
    created_at: new Date(now - 50 * HOUR).toISOString(),
    last_used_at: new Date(now - 0.5 * HOUR).toISOString(),
    expires_at: new Date(now + 30 * 24 * HOUR).toISOString(),
    ...overrides,
  };
}

describe('the sessions page', () => {
  it('names each session by browser, system, age and address, keeping the raw header at hand', async () => {
    mockFetch({
      'GET /api/v1/sessions': json(200, {
        items: [
          session({ current: true }),
          session({ id: 's2', user_agent: 'curl/8.5.0', ip: null, created_at: new Date(Date.now() - 3.2 * HOUR).toISOString() }),
        ],
      }),
    });
    render(<Sessions />);
    await screen.findByText('this browser');
    const names = screen.getAllByTestId('session-name').map((name) => name.textContent);
    expect(names).toEqual(['Chrome on Linux · since 2 days · 203.0.113.7', 'curl · since 3 hours']);
    expect(screen.getByText('Chrome on Linux').getAttribute('title')).toBe(CHROME_LINUX);
    expect(screen.queryByText(CHROME_LINUX)).toBeNull();
  });
});
