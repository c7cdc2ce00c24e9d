import { describe, expect, it } from 'vitest';
import { formatBytes, formatLatency } from '../src/lib/format';

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
