import { fireEvent, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { sentence } from '../src/lib/format';
import { json } from './fetch-mock';
import { createMonitor, createdMonitor, newMonitorForm, previewOf } from './session';

describe('the selector picker', () => {
  it('sends the chosen kind and clears the others', async () => {
    const calls = await newMonitorForm('Espresso prices', 'https://shop.example.com/api/machines', {
      'POST /api/v1/preview': previewOf('249.0'),
      'POST /api/v1/monitors': createdMonitor(),
    });
    fireEvent.input(screen.getByLabelText('Part of the page (optional)'), { target: { value: '.price' } });
    fireEvent.change(screen.getByLabelText('Selector language'), { target: { value: 'json_path' } });
    expect((screen.getByLabelText('Part of the page (optional)') as HTMLInputElement).value).toBe('.price');
    fireEvent.input(screen.getByLabelText('Part of the page (optional)'), { target: { value: '$.items[?@.stock > 0].price' } });
    expect(screen.getByText(/every matching value \(RFC 9535\)/)).toBeTruthy();
    expect(await createMonitor(calls)).toMatchObject({
      css_selector: null,
      xpath: null,
      json_pointer: null,
      json_path: '$.items[?@.stock > 0].price',
      jq_filter: null,
    });
  });

  it("shows the gateway's message about a selector next to the picker", async () => {
    await newMonitorForm('Espresso prices', 'https://shop.example.com/api/machines', {
      'POST /api/v1/preview': previewOf(''),
      'POST /api/v1/monitors': json(422, {
        error: {
          code: 'validation_failed',
          message: 'jq_filter: the jq filter uses undefined filter env',
          request_id: 'r1',
          fields: [{ field: 'jq_filter', message: 'the jq filter uses undefined filter env' }],
        },
      }),});
    fireEvent.change(screen.getByLabelText('Selector language'), { target: { value: 'jq_filter' } });
    fireEvent.input(screen.getByLabelText('Part of the page (optional)'), { target: { value: 'env' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create monitor' }));
    await screen.findByText('The jq filter uses undefined filter env');
    expect(screen.getByLabelText('Part of the page (optional)').getAttribute('aria-invalid')).toBe('true');
  });

  it('says in plain words when the preview is a bot wall rather than the page', async () => {
    await newMonitorForm('Espresso prices', 'https://shop.example.com/api/machines', {
      'POST /api/v1/preview': json(200, {
        outcome: 'blocked',
        text: '',
        http_status: 200,
        detail: 'the site answered with a Cloudflare bot check or captcha instead of the page',
      }),});
    const notice = await screen.findByTestId('preview-outcome', {}, { timeout: 3000 });
    expect(notice.textContent).toContain('Blocked by a bot check or captcha.');
    expect(notice.textContent).toContain('The site answered with a Cloudflare bot check');
    expect(notice.textContent).toContain('never alert');
  });
});

describe('check statuses', () => {
  it('read as plain words', () => {
    expect(sentence('soft_not_found')).toBe('The page says it no longer exists');
    expect(sentence('selector_not_found')).toBe('The selector no longer matches');
    expect(sentence('empty')).toBe('No text on the page');
    expect(sentence('blocked')).toBe('Blocked by a bot check or captcha');
    expect(sentence('fetch_failed')).toBe('Fetch failed');
  });
});
