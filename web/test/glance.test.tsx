import { render, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { CheckOutcome, MonitorListItem, MonitorSeries, SeriesPoint } from '../src/api/types';
import { AtAGlance, valueChanges } from '../src/components/AtAGlance';
import { OutcomeStrip, describeOutcomes } from '../src/components/OutcomeStrip';
import { Sparkline, ValueChart, describeSeries, thresholdText } from '../src/components/ValueChart';
import { formatValue, linePath, linearScale, niceDomain, niceStep, niceTicks, sparkline, timeLabel, timeTicks } from '../src/lib/chart';
import { MonitorDetail } from '../src/pages/MonitorDetail';
import { Monitors } from '../src/pages/Monitors';
import { json, mockFetch } from './fetch-mock';
import { signedIn } from './session';

function point(minute: number, outcome: CheckOutcome, value: number | null, extracted: string | null = value === null ? null : String(value)): SeriesPoint {
  return {
    check_id: `c${minute}`,
    at: new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString(),
    outcome,
    value,
    unit: null,
    value_kind: value !== null ? 'number' : extracted ? 'text' : null,
    extracted_value: extracted,
  };
}

const priced: MonitorSeries = {
  monitor_id: 'm1',
  unit: 'EUR',
  threshold: { value: 100, direction: 'below', inclusive: false, unit: 'EUR', label: 'below 100' },
  points: [point(0, 'ok', 129), point(10, 'changed', 119), point(20, 'failed', null), point(30, 'alerted', 89.9)],
};

describe('chart arithmetic', () => {
  it('maps a domain onto pixels, a single point onto the middle', () => {
    const y = linearScale([0, 200], [220, 20]);
    expect(y(0)).toBe(220);
    expect(y(100)).toBe(120);
    expect(y(200)).toBe(20);
    expect(linearScale([5, 5], [0, 100])(5)).toBe(50);
  });

  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(100, 5)).toBe(20);
    expect(niceStep(40, 5)).toBe(10);
    expect(niceStep(0.7, 5)).toBe(0.2);
    expect(niceStep(1300, 5)).toBe(500);
  });

  it('widens the domain to whole steps around the values and the threshold', () => {
    expect(niceDomain([89.9, 129, 100])).toEqual([80, 130]);
    expect(niceTicks([80, 130])).toEqual([80, 90, 100, 110, 120, 130]);
    // One value still gets an axis with room around it.
    const [low, high] = niceDomain([42]);
    expect(low).toBeLessThan(42);
    expect(high).toBeGreaterThan(42);
    expect(niceTicks([0, 0.6])).toEqual([0, 0.2, 0.4, 0.6]);
    expect(niceTicks([0, 0.3], 3)).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('puts time ticks on round clock times, at most as many as asked', () => {
    const start = Date.UTC(2026, 0, 1, 12, 3);
    const ticks = timeTicks([start, start + 30 * 60_000], 4);
    expect(ticks.map((tick) => new Date(tick).toISOString().slice(11, 16))).toEqual(['12:15', '12:30']);
    // Checks a few seconds apart still get a labelled axis.
    const quick = timeTicks([start, start + 40_000], 5);
    expect(quick.map((tick) => new Date(tick).toISOString().slice(14, 19))).toEqual(['03:00', '03:15', '03:30']);
    expect(timeTicks([start + 100, start + 900], 5)).toEqual([start + 100, start + 900]);
    expect(timeLabel(start, 40_000, 'en-GB')).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(timeLabel(start, 3 * 86_400_000, 'en-GB')).toMatch(/Jan/);
    const days = timeTicks([Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 10)], 5);
    expect(days.length).toBeLessThanOrEqual(5);
    expect(days.every((tick) => tick % 86_400_000 === 0)).toBe(true);
  });

  it('draws lines through the checks that read a value', () => {
    expect(linePath([{ x: 0, y: 10 }, { x: 5, y: 5 }, null, { x: 10, y: 0 }])).toBe('M0,10L5,5M10,0');
    expect(sparkline([1, null, 3], 20, 10, { pad: 0 })).toEqual({ path: 'M0,10L20,0', thresholdY: null });
    expect(sparkline([null, null], 20, 10).path).toBe('');
    // A threshold outside the values widens the scale so its line is drawn.
    expect(sparkline([2, 3], 20, 10, { pad: 0, threshold: 1 })).toEqual({ path: 'M0,5L20,0', thresholdY: 10 });
  });

  it('writes values with their unit where people expect it', () => {
    expect(formatValue(89.9, '€')).toBe('€89.9');
    expect(formatValue(1299, 'EUR')).toBe('1,299 EUR');
    expect(formatValue(12.5, '%')).toBe('12.5%');
    expect(formatValue(3, null)).toBe('3');
    expect(formatValue(-4, '$')).toBe('−$4');
  });
});

describe('the value chart', () => {
  it('is one image with a summary, value ticks in the unit and the threshold labelled', () => {
    const { container } = render(<ValueChart series={priced} />);
    const image = screen.getByRole('img');
    expect(image.getAttribute('aria-label')).toBe(
      'Value over 3 checks: from 129 EUR to 89.9 EUR, lowest 89.9 EUR, highest 129 EUR. Alert below 100 EUR.',
    );
    const ticks = Array.from(container.querySelectorAll('.chart-grid .chart-tick')).map((tick) => tick.textContent);
    expect(ticks).toEqual(['80 EUR', '90 EUR', '100 EUR', '110 EUR', '120 EUR', '130 EUR']);
    expect(container.querySelector('.chart-threshold text')?.textContent).toBe('Alert below 100 EUR');
    // The alerted check's point stands out; the failed check has none, and the line runs on past it.
    expect(container.querySelectorAll('circle').length).toBe(3);
    expect(container.querySelector('circle.outcome-alerted')).not.toBeNull();
    expect(container.querySelector('.chart-line')?.getAttribute('d')?.match(/[ML]/g)).toEqual(['M', 'L', 'L']);
  });

  it('gives the exact numbers in a table for anyone who cannot see the picture', () => {
    render(<ValueChart series={priced} />);
    const table = screen.getByRole('table', { name: 'Value at each check (EUR)' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell').slice(1).map((cell) => cell.textContent))).toEqual([
      ['129 EUR', 'OK'],
      ['119 EUR', 'changed'],
      ['89.9 EUR', 'alerted'],
    ]);
  });

  it('says the threshold in the judge’s words with the value in its unit', () => {
    expect(thresholdText({ value: 1299, direction: 'above', inclusive: true, unit: '€', label: 'at least 1.299,00' })).toBe('Alert at least €1,299');
    expect(describeSeries({ ...priced, points: [] }, 'price')).toBe('No price was read from the checks yet');
  });
});

describe('the strip of outcomes', () => {
  it('counts the outcomes in words and names the latest, so colour is never the only cue', () => {
    const outcomes: CheckOutcome[] = ['ok', 'ok', 'failed', 'changed', 'alerted', 'failed'];
    expect(describeOutcomes(outcomes)).toBe('Last 6 checks: 2 OK, 1 changed, 1 alerted, 2 failed; the latest failed');
    expect(describeOutcomes(['ok'])).toBe('Last 1 check: 1 OK; the latest was OK');
    render(<OutcomeStrip points={priced.points} label="Recent checks of Laptop" />);
    const strip = screen.getByRole('img');
    expect(strip.getAttribute('aria-label')).toBe('Recent checks of Laptop: Last 4 checks: 1 OK, 1 changed, 1 alerted, 1 failed; the latest alerted');
    expect(Array.from(strip.children).map((cell) => cell.className)).toEqual([
      'outcome-cell outcome-ok',
      'outcome-cell outcome-changed',
      'outcome-cell outcome-failed',
      'outcome-cell outcome-alerted',
    ]);
  });

  it('shows text values as they changed when there is no number to chart', () => {
    const versions: MonitorSeries = {
      monitor_id: 'm1',
      unit: null,
      threshold: null,
      points: [point(0, 'ok', null, '1.2.3'), point(5, 'ok', null, '1.2.3'), point(9, 'changed', null, '1.3.0')],
    };
    expect(valueChanges(versions).map((change) => change.value)).toEqual(['1.3.0', '1.2.3']);
    render(<AtAGlance series={versions} />);
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByRole('heading', { name: 'Value' })).toBeTruthy();
    expect(screen.getAllByRole('listitem').some((item) => item.textContent?.startsWith('1.3.0'))).toBe(true);
  });

  it('writes the latest value beside a sparkline', () => {
    const { container } = render(<Sparkline values={[129, null, 89.9]} unit="€" threshold={{ ...priced.threshold!, unit: '€' }} label="Values of Laptop" />);
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('Values of Laptop: from €129 to €89.9; alert below €100');
    expect(container.querySelector('line.sparkline-threshold')).not.toBeNull();
  });
});

describe('the pages', () => {
  it('list each monitor’s recent checks as a sparkline and a strip', async () => {
    const item = {
      id: 'm1',
      team_id: 't1',
      name: 'Laptop',
      url: 'https://shop.example.com/laptop',
      condition: 'price below 100 EUR',
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
      recent: {
        unit: 'EUR',
        threshold: priced.threshold,
        points: priced.points.map(({ at, outcome, value }) => ({ at, outcome, value })),
      },
    } as unknown as MonitorListItem;
    mockFetch({
      'GET /api/v1/monitors': json(200, { items: [item], next_cursor: null, total: 1 }),
      'GET /api/v1/tags': json(200, { items: [] }),
      'GET /api/v1/channels': json(200, { items: [] }),
    });
    render(signedIn(<Monitors />));
    const strip = await screen.findByRole('img', { name: /^Recent checks of Laptop/ });
    expect(strip.closest('td')?.getAttribute('data-label')).toBe('Recent checks');
    expect(screen.getByRole('img', { name: 'Values of Laptop: from 129 EUR to 89.9 EUR; alert below 100 EUR' })).toBeTruthy();
    expect(screen.getByRole('columnheader', { name: 'Recent checks' })).toBeTruthy();
  });

  it('chart the monitor’s values at a glance on its page', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/monitors/m1': json(200, { id: 'm1', team_id: 't1', name: 'Laptop', url: 'https://shop.example.com/', condition: 'price below 100 EUR', paused: false, channel_ids: [], tags: [], interval_seconds: 3600 }),
      'GET /api/v1/monitors/m1/checks': json(200, { items: [], next_cursor: null }),
      'GET /api/v1/monitors/m1/series': json(200, priced),
    });
    render(signedIn(<MonitorDetail id="m1" />));
    const card = (await screen.findByRole('heading', { name: 'At a glance' })).closest('section')!;
    expect(within(card).getByRole('img', { name: /^Value over 3 checks/ })).toBeTruthy();
    expect(within(card).getByRole('img', { name: /^Last 4 checks/ })).toBeTruthy();
    expect(calls.some((call) => call.url === '/api/v1/monitors/m1/series?limit=100')).toBe(true);
  });
});
