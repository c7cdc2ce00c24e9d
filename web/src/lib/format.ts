import { outcomeLabel } from './outcomes';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '—';
  const seconds = Math.round((then - now) / 1000);
  if (Math.abs(seconds) < 10) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

const SPANS: ['day' | 'hour' | 'minute', number][] = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** How long since `iso`, rounded down: "2 days", "an hour", and never less than "a minute". */
export function timeSince(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  const [unit, size] = SPANS.find(([, size]) => seconds >= size) ?? SPANS[SPANS.length - 1];
  const count = Math.floor(seconds / size);
  if (count <= 1) return unit === 'hour' ? 'an hour' : `a ${unit}`;
  return `${count} ${unit}s`;
}

export function absoluteTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString();
}

export const INTERVALS: { seconds: number; label: string }[] = [
  { seconds: 60, label: 'Every minute' },
  { seconds: 300, label: 'Every 5 minutes' },
  { seconds: 900, label: 'Every 15 minutes' },
  { seconds: 1800, label: 'Every 30 minutes' },
  { seconds: 3600, label: 'Every hour' },
  { seconds: 6 * 3600, label: 'Every 6 hours' },
  { seconds: 12 * 3600, label: 'Every 12 hours' },
  { seconds: 86400, label: 'Every day' },
  { seconds: 7 * 86400, label: 'Every week' },
];

export function intervalLabel(seconds: number): string {
  const known = INTERVALS.find((interval) => interval.seconds === seconds);
  if (known) return known.label;
  if (seconds % 86400 === 0) return `Every ${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `Every ${seconds / 3600} hours`;
  if (seconds % 60 === 0) return `Every ${seconds / 60} minutes`;
  return `Every ${seconds} s`;
}

/** A size as people write it: "512 B", "1.5 KiB", "9.7 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  const shown = (value: number, unit: number) => Number(value.toFixed(unit === 0 ? 0 : 1));
  let value = bytes;
  let unit = 0;
  // Compares the rounded figure, so 1,048,575 bytes reads "1 MiB" rather than "1024 KiB".
  while (shown(value, unit) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${shown(value, unit)} ${units[unit]}`;
}

export function humanise(key: string): string {
  const text = key.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `fetch_failed` → "Fetch failed". */
export function sentence(code: string): string {
  return outcomeLabel(code) ?? humanise(code);
}

/** A probe's latency, readable: "0.4 ms", "12 ms", "1.3 s". */
export function formatLatency(ms: number): string {
  // Thresholds sit where rounding would carry over, so 9.96 reads "10 ms".
  if (ms >= 999.5) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 9.95) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}
