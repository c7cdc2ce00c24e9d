// The arithmetic of the value chart and the list's sparklines: scales, nice
// ticks, time ticks, SVG paths and values written with their unit. Pure, so
// the tests pin it down without a browser; the components only draw it.

/** A mapping from a domain (values or times) to pixels. */
export interface Scale {
  (value: number): number;
  domain: [number, number];
  range: [number, number];
}

/** A straight-line scale; a domain of one point maps to the middle of the range. */
export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((value: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0))) as Scale;
  scale.domain = domain;
  scale.range = range;
  return scale;
}

/** The 1, 2 or 5 × 10ⁿ step that cuts `span` into about `count` parts. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || count < 1) return 1;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * A domain that holds every value (and the threshold), widened to whole
 * steps so the axis starts and ends on a tick. A single value gets room
 * around it rather than a zero-height axis.
 */
export function niceDomain(values: number[], count = 5): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, count);
  return [Math.floor(min / step) * step, Math.ceil(max / step) * step];
}

/** Ticks on whole steps across `domain`, both ends included when they are on a step. */
export function niceTicks(domain: [number, number], count = 5): number[] {
  const [min, max] = domain;
  const step = niceStep(max - min, count);
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  for (let index = first; index <= last; index++) {
    // Rounded to the step's decimals, so 0.1 + 0.2 reads 0.3.
    ticks.push(Number((index * step).toFixed(decimalsOf(step))));
  }
  return ticks;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SECOND,
  5 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  30 * DAY,
];

/**
 * Times (ms) on a round step (a second, 5 seconds, … a month) so that at most
 * `count` fall in `domain`; the two ends when fewer than two steps fit, so
 * the axis is never unlabelled.
 */
export function timeTicks(domain: [number, number], count = 5): number[] {
  const [start, end] = domain;
  if (!(end > start)) return Number.isFinite(start) ? [start] : [];
  const step = TIME_STEPS.find((candidate) => (end - start) / candidate <= count) ?? TIME_STEPS[TIME_STEPS.length - 1];
  // Steps of a day or more fall on UTC midnights; shorter ones on round clock times.
  const ticks: number[] = [];
  for (let tick = Math.ceil(start / step) * step; tick <= end; tick += step) ticks.push(tick);
  return ticks.length >= 2 ? ticks : [start, end];
}

/** A time tick's label: the clock (with seconds within five minutes) within two days, the date beyond. */
export function timeLabel(time: number, span: number, locale?: string): string {
  const date = new Date(time);
  if (span > 2 * DAY) return date.toLocaleDateString(locale, { month: 'short', day: 'numeric' });
  return date.toLocaleTimeString(locale, span < 5 * MINUTE ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
}

export interface Point {
  x: number;
  y: number;
}

/** An SVG path through the points; a `null` starts a new segment (a check without a value). */
export function linePath(points: (Point | null)[]): string {
  let path = '';
  let pen = false;
  for (const point of points) {
    if (!point) {
      pen = false;
      continue;
    }
    path += `${pen ? 'L' : 'M'}${round(point.x)},${round(point.y)}`;
    pen = true;
  }
  return path;
}

/**
 * A sparkline: `values` evenly spaced across `width` (a `null` is skipped), and
 * where a `threshold` falls on the same scale, which then spans it too.
 */
export function sparkline(
  values: (number | null)[],
  width: number,
  height: number,
  { pad = 2, threshold }: { pad?: number; threshold?: number | null } = {},
): { path: string; thresholdY: number | null } {
  const numbers = values.filter((value): value is number => value !== null && Number.isFinite(value));
  if (numbers.length === 0) return { path: '', thresholdY: null };
  const spanned = threshold != null && Number.isFinite(threshold) ? [...numbers, threshold] : numbers;
  const x = linearScale([0, Math.max(values.length - 1, 1)], [pad, width - pad]);
  const y = linearScale([Math.min(...spanned), Math.max(...spanned)], [height - pad, pad]);
  return {
    // A check without a value (an unchanged page is not judged again) does not break the line.
    path: linePath(values.flatMap((value, index) => (value === null || !Number.isFinite(value) ? [] : [{ x: x(index), y: y(value) }]))),
    thresholdY: threshold != null && Number.isFinite(threshold) ? round(y(threshold)) : null,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

const PREFIX_UNITS = new Set(['$', '£', '¥', '₹', '€']);

/**
 * A value as people read it, with its unit: "€89.90" or "89.90 €" as the
 * page wrote it is not known here, so currency signs go first ("$12",
 * "€89.9"), "%" is glued ("12%") and words follow ("12 EUR", "3 items").
 */
export function formatValue(value: number, unit?: string | null, maximumFractionDigits = 2): string {
  const number = value.toLocaleString('en', { maximumFractionDigits });
  if (!unit) return number;
  if (PREFIX_UNITS.has(unit)) return value < 0 ? `−${unit}${number.replace('-', '')}` : `${unit}${number}`;
  if (unit === '%') return `${number}%`;
  return `${number} ${unit}`;
}
