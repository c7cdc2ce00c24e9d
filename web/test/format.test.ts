import { describe, expect, it } from 'vitest';
import { formatBytes, formatLatency, timeSince } from '../src/lib/format';

describe('formatLatency', () => {
  it('keeps one decimal below ten milliseconds', () => {
    expect(formatLatency(0.4321)).toBe('0.4 ms');
    expect(formatLatency(9.94)).toBe('9.9 ms');
  });
  it('rounds to whole milliseconds up to a second', () => {
    expect(formatLatency(65.267913)).toBe('65 ms');
    expect(formatLatency(9.96)).toBe('10 ms');
  });
  it('switches to seconds from a second', () => {
    expect(formatLatency(1_340)).toBe('1.3 s');
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [48 * 1024, '48 KiB'],
    [10_171_187, '9.7 MiB'],
    [5 * 1024 ** 3, '5 GiB'],
  ])('reads %i bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('moves to the next unit when rounding would reach 1024', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MiB');
  });
});

describe('timeSince', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  it.each([
    ['2026-03-08T09:00:00Z', '2 days'],
    ['2026-03-09T11:00:00Z', 'a day'],
    ['2026-03-10T09:00:00Z', '3 hours'],
    ['2026-03-10T10:30:00Z', 'an hour'],
    ['2026-03-10T11:55:00Z', '5 minutes'],
    ['2026-03-10T11:59:30Z', 'a minute'],
    ['2026-03-10T12:00:05Z', 'a minute'],
  ])('reads %s as %s', (iso, text) => {
    expect(timeSince(iso, now)).toBe(text);
  });
});
