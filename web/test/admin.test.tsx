import { render, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { Admin } from '../src/pages/Admin';
import { json, mockFetch } from './fetch-mock';

const usage = {
  users: 12,
  teams: 4,
  monitors: 1250,
  checks: 48_213,
  deliveries: 310,
  database_size_bytes: 10_171_187,
  snapshots: 2_048,
  snapshot_text_bytes: 1536,
  snapshot_storage_bytes: 512,
};

function adminApi(audit: unknown[] = []) {
  return mockFetch({
    'GET /api/v1/admin/system-health': json(200, { status: 'ok', gateway_version: '1', dependencies: {} }),
    'GET /api/v1/admin/usage': json(200, usage),
    'GET /api/v1/admin/audit': json(200, { items: audit, next_cursor: null }),
    'GET /api/v1/admin/budgets': json(200, { items: [] }),
    'GET /api/v1/admin/quotas': json(200, { items: [] }),
  });
}

/** The usage card's figures as "label value" lines. */
async function usageFigures(): Promise<string[]> {
  const card = (await screen.findByRole('heading', { name: 'Usage' })).closest('article')!;
  await within(card).findByText('Users');
  return Array.from(card.querySelectorAll('dt')).map((term) => `${term.textContent} ${term.nextElementSibling?.textContent}`);
}

describe('the admin usage card', () => {
  it('names each figure in words and sizes in binary units', async () => {
    adminApi();
    render(<Admin />);
    expect(await usageFigures()).toEqual([
      'Users 12',
      'Teams 4',
      'Monitors 1,250',
      'Checks 48,213',
      'Alert deliveries 310',
      'Database size 9.7 MiB',
      'Snapshots 2,048',
      'Snapshot text 1.5 KiB',
      'Snapshots on disk 512 B',
    ]);
  });
});

describe('the audit log', () => {
  it('says which browser an action came from, with the raw header as its title', async () => {
    const header = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0';
    adminApi([
      { id: 'a1', action: 'monitor.created', at: new Date().toISOString(), detail: {}, ip: '203.0.113.7', user_agent: header },
      { id: 'a2', action: 'scheduler.ran', at: new Date().toISOString(), detail: {} },
    ]);
    render(<Admin />);
    await screen.findByText('monitor.created');
    const from = Array.from(document.querySelectorAll('td[data-label="From"]'));
    expect(from.map((cell) => cell.textContent)).toEqual(['Firefox on Windows · 203.0.113.7', '—']);
    expect(from[0].getAttribute('title')).toBe(header);
  });
});
