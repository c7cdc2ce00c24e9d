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
  it('reads as a human would write it', () => {
    expect(formatBytes(48 * 1024)).toMatch(/^48(\.0)? KiB$/);
  });
});
