import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { ImportProgressLine, ImportReport, Me } from '../src/api/types';
import { detectFormat, isZip } from '../src/lib/importFormat';
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
    tags_created: ['Shopping'],
    ignored_fields: ['ignore_text'],
    archive_ignored: [],
    entries: [
      { index: 0, line: 1, outcome: 'created', url: 'https://a.example/', name: 'a.example', selectors: [], interval_seconds: 3600, notes: [], tags: ['Shopping'], ignored_fields: ['ignore_text'], monitor_id: dryRun ? null : 'm1' },
      { index: 1, line: 2, outcome: 'skipped', url: 'https://b.example/', name: 'b.example', selectors: [{ kind: 'css', expression: '.price' }], interval_seconds: 600, reason: 'duplicate of a monitor of this team (same URL and selectors)', notes: [], tags: [], ignored_fields: [] },
      { index: 2, line: 3, outcome: 'refused', url: 'http://10.0.0.5/', reason: 'blocked destination: private address', selectors: [], notes: [], tags: [], ignored_fields: [] },
    ],
  };
}

/** An import's streamed answer: these lines, at once. */
function ndjson(lines: ImportProgressLine[]): Response {
  return new Response(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), {
    status: 200,
    headers: { 'Content-Type': 'application/x-ndjson' },
  });
}

/** An import's streamed answer the test writes line by line. */
function liveStream() {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    response: () => new Response(body, { status: 200, headers: { 'Content-Type': 'application/x-ndjson' } }),
    send: (line: ImportProgressLine) => controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`)),
    close: () => controller.close(),
  };
}

async function pickFile(file: File) {
  render(signedIn(<Import />, me));
  const input = await screen.findByLabelText('File');
  fireEvent.change(input, { target: { files: [file] } });
}

const urlsFile = () => new File(['https://a.example/\nhttps://b.example/\nhttp://10.0.0.5/\n'], 'urls.txt', { type: 'text/plain' });

describe('format detection', () => {
  it('tells the four formats apart by content', () => {
    expect(detectFormat('https://a.example/\n# note\nhttps://b.example/')).toBe('urls');
    expect(detectFormat('name: A\nurl: https://a.example/\n---\nurl: https://b.example/')).toBe('urlwatch');
    expect(detectFormat('{"watching": {}}')).toBe('changedetection');
    expect(detectFormat('{"format": "lookout-export", "version": 1, "monitors": []}')).toBe('lookout');
  });

  it('knows a ZIP archive by its first bytes', () => {
    expect(isZip(new Uint8Array([0x50, 0x4b, 3, 4, 20]))).toBe(true);
    expect(isZip(new Uint8Array([0x50, 0x4b, 5, 6]))).toBe(true);
    expect(isZip(new TextEncoder().encode('https://a.example/'))).toBe(false);
    expect(isZip(new Uint8Array([0x50, 0x4b]))).toBe(false);
  });
});

describe('the import page', () => {
  it('previews a file, then imports on confirmation and sums up', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/teams': json(200, { items: [ops] }),
      'POST /api/v1/teams/t1/import': (call) => ndjson([{ phase: 'done', report: report(call.url.includes('dry_run=true')) }]),
    });
    await pickFile(urlsFile());
    await screen.findByText(/Detect from the file \(List of URLs/);
    fireEvent.click(screen.getByRole('button', { name: 'Preview import' }));
    await screen.findByText('Preview: nothing is created yet');
    expect(calls.at(-1)?.url).toContain('format=urls');
    expect(calls.at(-1)?.url).toContain('dry_run=true');
    expect(calls.at(-1)?.headers.Accept).toBe('application/x-ndjson');
    expect(calls.at(-1)?.headers['Content-Type']).toBe('text/plain');
    expect(screen.getByText(/blocked destination/)).toBeTruthy();
    expect(screen.getByText(/does not import \(yet\): ignore_text/)).toBeTruthy();
    expect(screen.getByText('Tags to create: Shopping.')).toBeTruthy();
    expect(screen.getByText('Tags: Shopping')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 monitor' }));
    await screen.findByText(/Imported 1 monitor; 1 skipped, 1 refused/);
    await waitFor(() => expect(calls.at(-1)?.url).toContain('dry_run=false'));
    expect(screen.getByText('Tags created: Shopping.')).toBeTruthy();
  });

  it('shows a progressbar fed by the stream until the report arrives', async () => {
    const stream = liveStream();
    mockFetch({
      'GET /api/v1/teams': json(200, { items: [ops] }),
      'POST /api/v1/teams/t1/import': () => stream.response(),
    });
    await pickFile(urlsFile());
    await screen.findByText(/Detect from the file \(List of URLs/);
    fireEvent.click(screen.getByRole('button', { name: 'Preview import' }));
    const waiting = await screen.findByRole('progressbar', { name: 'Checking urls.txt…' });
    expect(waiting.getAttribute('aria-valuenow')).toBeNull();

    stream.send({ phase: 'checking_destinations', done: 0, total: 40 });
    stream.send({ phase: 'validating', done: 250, total: 1000 });
    await waitFor(() => expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('250'));
    const bar = screen.getByRole('progressbar', { name: 'Checking urls.txt…' });
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('1000');
    expect(bar.getAttribute('aria-valuetext')).toBe('Validating entries: 250 of 1,000 entries');
    expect(screen.getByText('Validating entries: 250 of 1,000 entries')).toBeTruthy();
    expect((bar.firstElementChild as HTMLElement).style.width).toBe('25%');

    stream.send({ phase: 'done', report: report(true) });
    stream.close();
    await screen.findByText('Preview: nothing is created yet');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('says nothing was imported when the stream ends with a failure', async () => {
    mockFetch({
      'GET /api/v1/teams': json(200, { items: [ops] }),
      'POST /api/v1/teams/t1/import': (call) =>
        call.url.includes('dry_run=true')
          ? ndjson([{ phase: 'done', report: report(true) }])
          : ndjson([
              { phase: 'creating', done: 1000, total: 1500 },
              { phase: 'failed', error: { code: 'internal_error', message: 'an internal error occurred', request_id: 'r-1' } },
            ]),
    });
    await pickFile(urlsFile());
    await screen.findByText(/Detect from the file \(List of URLs/);
    fireEvent.click(screen.getByRole('button', { name: 'Preview import' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Import 1 monitor' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Nothing was imported: An internal error occurred.');
  });

  it('sends a changedetection.io backup ZIP as an archive', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/teams': json(200, { items: [ops] }),
      'POST /api/v1/teams/t1/import': () =>
        ndjson([{ phase: 'done', report: { ...report(true), format: 'changedetection', archive_ignored: ['secret.txt (its session secret, never read)'] } }]),
    });
    const zip = new File([new Uint8Array([0x50, 0x4b, 3, 4, 20, 0, 0, 0])], 'changedetection-backup-20260101.zip', { type: 'application/zip' });
    await pickFile(zip);
    await screen.findByText(/Detect from the file \(changedetection\.io \(backup ZIP/);
    fireEvent.click(screen.getByRole('button', { name: 'Preview import' }));
    await screen.findByText('Preview: nothing is created yet');
    expect(calls.at(-1)?.url).toContain('format=changedetection');
    expect(calls.at(-1)?.headers['Content-Type']).toBe('application/zip');
    expect(screen.getByText('Also in the archive, not imported: secret.txt (its session secret, never read).')).toBeTruthy();
  });
});
