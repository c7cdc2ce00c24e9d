import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { ImportReport, Me } from '../src/api/types';
import { detectFormat } from '../src/lib/importFormat';
import { Import } from '../src/pages/Import';
import { json, mockFetch } from './fetch-mock';
import { signedIn } from './session';

const ops = { id: 't1', name: 'Ops', personal: false, role: 'owner', created_at: '2026-01-01T00:00:00Z' };
const me: Me = { id: 'u1', email: 'ada@example.com', is_admin: false, teams: [ops] };

function report(dryRun: boolean): ImportReport {
  return {
    format: 'urls',
    dry_run: dryRun,
    created: 1,
    skipped: 1,
    refused: 1,
    ignored_fields: ['tags'],
    entries: [
      { index: 0, line: 1, outcome: 'created', url: 'https://a.example/', name: 'a.example', selectors: [], interval_seconds: 3600, notes: [], ignored_fields: ['tags'], monitor_id: dryRun ? null : 'm1' },
      { index: 1, line: 2, outcome: 'skipped', url: 'https://b.example/', name: 'b.example', selectors: [{ kind: 'css', expression: '.price' }], interval_seconds: 600, reason: 'duplicate of a monitor of this team (same URL and selectors)', notes: [], ignored_fields: [] },
      { index: 2, line: 3, outcome: 'refused', url: 'http://10.0.0.5/', reason: 'blocked destination: private address', selectors: [], notes: [], ignored_fields: [] },
    ],
  };
}

describe('format detection', () => {
  it('tells the four formats apart by content', () => {
    expect(detectFormat('https://a.example/\n# note\nhttps://b.example/')).toBe('urls');
    expect(detectFormat('name: A\nurl: https://a.example/\n---\nurl: https://b.example/')).toBe('urlwatch');
    expect(detectFormat('{"watching": {}}')).toBe('changedetection');
    expect(detectFormat('{"format": "lookout-export", "version": 1, "monitors": []}')).toBe('lookout');
  });
});

describe('the import page', () => {
  it('previews a file, then imports on confirmation and sums up', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/teams': json(200, { items: [ops] }),
      'POST /api/v1/teams/t1/import': (call) => json(200, report(call.url.includes('dry_run=true'))),
    });
    render(signedIn(<Import />, me));
    const input = await screen.findByLabelText('File');
    const file = new File(['https://a.example/\nhttps://b.example/\nhttp://10.0.0.5/\n'], 'urls.txt', { type: 'text/plain' });
    fireEvent.change(input, { target: { files: [file] } });
    await screen.findByText(/Detect from the file \(List of URLs/);
    fireEvent.click(screen.getByRole('button', { name: 'Preview import' }));
    await screen.findByText('Preview: nothing is created yet');
    expect(calls.at(-1)?.url).toContain('format=urls');
    expect(calls.at(-1)?.url).toContain('dry_run=true');
    expect(screen.getByText(/blocked destination/)).toBeTruthy();
    expect(screen.getByText(/does not import \(yet\): tags/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 monitor' }));
    await screen.findByText(/Imported 1 monitor; 1 skipped, 1 refused/);
    await waitFor(() => expect(calls.at(-1)?.url).toContain('dry_run=false'));
  });
});
