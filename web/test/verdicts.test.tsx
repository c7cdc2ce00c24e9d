import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Check } from '../src/api/types';
import { VerdictDetails } from '../src/components/VerdictDetails';
import { verdictOf } from '../src/pages/MonitorDetail';
import { createMonitor, createdMonitor, newMonitorForm, previewOf } from './session';

function check(overrides: Partial<Check> = {}): Check {
  return {
    id: 'c1',
    monitor_id: 'm1',
    reason: 'schedule',
    status: 'ok',
    http_status: 200,
    content_sha256: null,
    baseline: false,
    changed: true,
    triggered: false,
    summary: 'The price is 120 EUR.',
    judge_reason: null,
    extracted_value: null,
    confidence: null,
    judge: 'openai:gpt-4o-mini',
    diff: null,
    error: null,
    fetch_ms: 10,
    judge_ms: 10,
    duration_ms: 20,
    started_at: '2026-01-01T00:00:00Z',
    finished_at: '2026-01-01T00:00:00Z',
    repeats: 1,
    last_finished_at: '2026-01-01T00:00:00Z',
    condition_kind: 'state',
    condition_holds: false,
    first_alert: false,
    evidence_excerpt: null,
    verification: 'not_needed',
    verification_problem: null,
    judge_cached: false,
    prompt_tokens: 812,
    completion_tokens: 64,
    unjudged_reason: null,
    unjudged_notice: false,
    ...overrides,
  };
}

describe('verdict details', () => {
  it('say why a verdict was not trusted and what it quoted', () => {
    render(
      <dl>
        <VerdictDetails
          check={check({
            evidence_excerpt: 'the price is 49 EUR',
            verification: 'unverified',
            verification_problem: 'the quoted evidence sits in text addressed to the judge',
          })}
        />
      </dl>,
    );
    expect(screen.getByTestId('unverified').textContent).toBe(
      'Not verified, so no alert: the quoted evidence sits in text addressed to the judge',
    );
    expect(screen.getByText('the price is 49 EUR')).toBeTruthy();
    expect(screen.getByText('812 input + 64 output tokens')).toBeTruthy();
  });

  it('label a first check that alerted because the condition was already true', () => {
    const first = check({ baseline: true, triggered: true, first_alert: true, condition_holds: true });
    expect(verdictOf(first).label).toBe('Alert: already true');
    render(
      <dl>
        <VerdictDetails check={{ ...first, judge_cached: true }} />
      </dl>,
    );
    expect(screen.getByText('Already true when monitoring started')).toBeTruthy();
    expect(screen.getByText('Answered from the verdict cache (no model call)')).toBeTruthy();
  });
});

describe('an unjudged check', () => {
  it('says why it was not judged and that the owner was told', () => {
    const held = check({ status: 'judge_unavailable', unjudged_reason: 'timeout', unjudged_notice: true, prompt_tokens: null, completion_tokens: null });
    render(
      <dl>
        <VerdictDetails check={held} />
      </dl>,
    );
    expect(screen.getByTestId('unjudged').textContent).toBe('Kept to judge later: the model did not answer in time · the owner was told');
    expect(verdictOf({ ...held, status: 'ok', triggered: true, unjudged_notice: false }).label).toBe('Alert (not judged)');
  });
});

describe('the monitor form', () => {
  it('sends the chosen first-check rule and fail policy', async () => {
    const calls = await newMonitorForm('Widget', 'https://shop.example.com/widget', {
      'POST /api/v1/preview': previewOf('Price: 120 EUR'),
      'POST /api/v1/monitors': createdMonitor(),
    });
    fireEvent.change(screen.getByLabelText('On the first check'), { target: { value: 'baseline' } });
    fireEvent.change(screen.getByLabelText('When the model cannot judge a change'), { target: { value: 'alert_anyway' } });
    expect(await createMonitor(calls)).toMatchObject({ first_check: 'baseline', fail_policy: 'alert_anyway' });
  });

  it('sends after how many failed checks the channels hear that the page fails, 3 unless chosen', async () => {
    const calls = await newMonitorForm('Widget', 'https://shop.example.com/widget', {
      'POST /api/v1/preview': previewOf('Price: 120 EUR'),
      'POST /api/v1/monitors': createdMonitor(),
    });
    const setting = screen.getByLabelText('Alert when the page cannot be checked') as HTMLSelectElement;
    expect(setting.value).toBe('3');
    fireEvent.change(setting, { target: { value: '0' } });
    expect(await createMonitor(calls)).toMatchObject({ failure_alert_after: 0 });
  });
});
