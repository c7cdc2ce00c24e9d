import { fireEvent, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { json } from './fetch-mock';
import { createMonitor, createdMonitor, newMonitorForm, previewOf } from './session';

describe('render options', () => {
  it('send the wait, the cookies and the browser steps with only the fields each step uses', async () => {
    const calls = await newMonitorForm('My account', 'https://bank.example.com/account', {
      'POST /api/v1/preview': previewOf('Balance: 42 EUR'),
      'POST /api/v1/monitors': createdMonitor(),
    });
    fireEvent.click(screen.getByLabelText(/Render with a browser/));
    fireEvent.input(screen.getByLabelText('Wait before reading (optional)'), { target: { value: '#balance' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add a cookie' }));
    fireEvent.input(screen.getByLabelText('Cookie name'), { target: { value: 'lang' } });
    fireEvent.input(screen.getByLabelText('Cookie value'), { target: { value: 'en' } });

    fireEvent.click(screen.getByRole('button', { name: 'Add a step' }));
    fireEvent.input(screen.getByLabelText('Element (CSS selector)'), { target: { value: '#password' } });
    fireEvent.input(screen.getByLabelText('Text to type'), { target: { value: 'hunter2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add a step' }));
    fireEvent.change(screen.getByLabelText('Step 2'), { target: { value: 'press' } });
    fireEvent.change(screen.getByLabelText('Key'), { target: { value: 'Enter' } });
    fireEvent.click(screen.getByRole('button', { name: 'Move step 2 up' }));

    expect(await createMonitor(calls)).toMatchObject({
      render: true,
      wait_for: '#balance',
      cookies: [{ name: 'lang', value: 'en' }],
      steps: [
        { action: 'press', value: 'Enter' },
        { action: 'fill', selector: '#password', value: 'hunter2' },
      ],
    });
  });

  it('shows which step the gateway refused, next to that step', async () => {
    await newMonitorForm('My account', 'https://bank.example.com/account', {
      'POST /api/v1/preview': previewOf(''),
      'POST /api/v1/monitors': json(422, {
        error: {
          code: 'validation_failed',
          message: 'steps[0]: click needs a selector',
          request_id: 'r1',
          fields: [{ field: 'steps[0]', message: 'click needs a selector' }],
        },
      }),});
    fireEvent.click(screen.getByRole('button', { name: 'Add a step' }));
    fireEvent.change(screen.getByLabelText('Step 1'), { target: { value: 'click' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create monitor' }));
    await screen.findByText('Click needs a selector');
    expect(screen.getByLabelText('Element (CSS selector)').getAttribute('aria-invalid')).toBe('true');
  });

  it('says which step failed in the preview', async () => {
    await newMonitorForm('My account', 'https://bank.example.com/account', {
      'POST /api/v1/preview': json(200, {
        outcome: 'step_failed',
        failed_step: 2,
        text: '',
        http_status: 200,
        detail: 'step 2 (click "#go") failed: nothing matches "#go"',
      }),});
    const notice = await screen.findByTestId('preview-outcome', {}, { timeout: 3000 });
    expect(notice.textContent).toContain('A browser step failed.');
    expect(notice.textContent).toContain('Step 2 failed.');
  });
  it('send the screenshot setting, which shows the render options too', async () => {
    const calls = await newMonitorForm('Shop', 'https://shop.example.com/widget', {
      'POST /api/v1/preview': previewOf('Price: 120 EUR'),
      'POST /api/v1/monitors': createdMonitor(),
    });
    expect(screen.queryByLabelText('Wait before reading (optional)')).toBeNull();
    fireEvent.change(screen.getByLabelText('Screenshots'), { target: { value: 'on_change' } });
    expect(screen.getByLabelText('Wait before reading (optional)')).toBeTruthy();
    expect(await createMonitor(calls)).toMatchObject({ screenshot: 'on_change' });
  });
});
