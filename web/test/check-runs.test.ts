import { describe, expect, it } from 'vitest';
import { entryText, repeatedLine } from '../src/lib/checkRuns';
import { absoluteTime } from '../src/lib/format';

const single = {
  summary: null,
  error: null,
  changed: false,
  status: 'ok',
  repeats: 1,
  started_at: '2026-12-01T08:00:00Z',
  last_finished_at: '2026-12-01T08:00:01Z',
};

describe('a history entry that stands for several checks', () => {
  it('says how many unchanged checks it counts and between when', () => {
    const run = { ...single, repeats: 288, last_finished_at: '2026-12-02T08:00:01Z' };
    expect(entryText(run)).toBe('Unchanged 288 times');
    expect(repeatedLine(run)).toBe(
      `Unchanged 288 times between ${absoluteTime('2026-12-01T08:00:00Z')} and ${absoluteTime('2026-12-02T08:00:01Z')}`,
    );
  });

  it('counts a repeated failure with its cause', () => {
    const run = { ...single, status: 'timeout', error: 'the page took longer than 30 s', repeats: 4 };
    expect(entryText(run)).toBe('the page took longer than 30 s (4 times in a row)');
    expect(repeatedLine(run)).toMatch(/^Failed the same way 4 times between /);
  });

  it('names skipped checks as not checked', () => {
    expect(repeatedLine({ ...single, status: 'render_quota', error: 'not checked', repeats: 3 })).toMatch(/^Not checked 3 times/);
  });

  it('reads as before for one check', () => {
    expect(repeatedLine(single)).toBeNull();
    expect(entryText(single)).toBe('Nothing changed.');
    expect(entryText({ ...single, changed: true })).toBe('The page changed.');
    expect(entryText({ ...single, summary: 'Price fell to 12 €' })).toBe('Price fell to 12 €');
  });
});
