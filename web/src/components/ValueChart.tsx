import { useEffect, useRef, useState } from 'preact/hooks';
import type { MonitorSeries, SeriesThreshold } from '../api/types';
import { formatValue, linearScale, linePath, niceDomain, niceTicks, sparkline, timeLabel, timeTicks } from '../lib/chart';
import { absoluteTime } from '../lib/format';
import { OUTCOME_WORDS } from './OutcomeStrip';

const HEIGHT = 240;
const MARGIN = { top: 16, right: 16, bottom: 32, left: 64 };

/** The width the chart's container gives it, followed as the window resizes. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => {
      const measured = Math.round(entry.contentRect.width);
      if (measured > 0) setWidth(measured);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

/** "Alert below 100 EUR" / "Alert at least 10". */
export function thresholdText(threshold: SeriesThreshold, unit?: string | null): string {
  const words = threshold.label.replace(/\s*[\d.,'\u00a0-]+$/, '');
  return `Alert ${words} ${formatValue(threshold.value, threshold.unit ?? unit)}`;
}

/** The chart's text alternative: what the values did, and where the threshold is. */
export function describeSeries(series: MonitorSeries, subject: string): string {
  const numbers = series.points.filter((point) => point.value != null);
  if (numbers.length === 0) return `No ${subject} was read from the checks yet`;
  const values = numbers.map((point) => point.value as number);
  const show = (value: number) => formatValue(value, series.unit);
  const first = values[0];
  const latest = values[values.length - 1];
  const checks = numbers.length === 1 ? '1 check' : `${numbers.length} checks`;
  let text = `${capitalise(subject)} over ${checks}: from ${show(first)} to ${show(latest)}, lowest ${show(Math.min(...values))}, highest ${show(Math.max(...values))}`;
  if (series.threshold) text += `. ${thresholdText(series.threshold, series.unit)}`;
  return `${text}.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The values a monitor's verdicts extracted, over time: an SVG line chart
 * with a value axis in the series' unit, a time axis, the alert threshold
 * as a labelled dashed line, and each check's outcome on its point. The
 * picture is one image with a summary for assistive technology; the same
 * numbers are in a table beside it for anyone who wants them exactly.
 */
export function ValueChart({ series, subject = 'value' }: { series: MonitorSeries; subject?: string }) {
  const [ref, width] = useWidth(640);
  const points = series.points.filter((point) => point.value != null);
  if (points.length === 0) return null;
  const times = series.points.map((point) => Date.parse(point.at));
  const values = points.map((point) => point.value as number);
  const threshold = series.threshold;
  const domain = niceDomain(threshold ? [...values, threshold.value] : values);
  const y = linearScale(domain, [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const timeDomain: [number, number] = [Math.min(...times), Math.max(...times)];
  const x = linearScale(timeDomain, [MARGIN.left, width - MARGIN.right]);
  // Fewer time labels on a phone, so they never overlap.
  const xTicks = timeTicks(timeDomain, Math.max(2, Math.floor((width - MARGIN.left) / 110)));
  const yTicks = niceTicks(domain);
  const span = timeDomain[1] - timeDomain[0];
  // Checks without a value (an unchanged page is not judged again, a failed one read nothing) do not break the line.
  const path = linePath(points.map((point) => ({ x: x(Date.parse(point.at)), y: y(point.value as number) })));
  const summary = describeSeries(series, subject);
  const unitWords = series.unit ? ` (${series.unit})` : '';
  return (
    <figure class="value-chart" ref={ref}>
      <svg role="img" aria-label={summary} width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`}>
        <g class="chart-grid">
          {yTicks.map((tick) => (
            <g key={tick}>
              <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(tick)} y2={y(tick)} />
              <text class="chart-tick" x={MARGIN.left - 8} y={y(tick)} dy="0.32em" text-anchor="end">
                {formatValue(tick, series.unit)}
              </text>
            </g>
          ))}
        </g>
        <g class="chart-axis">
          <line x1={MARGIN.left} x2={width - MARGIN.right} y1={HEIGHT - MARGIN.bottom} y2={HEIGHT - MARGIN.bottom} />
          <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} />
          {xTicks.map((tick) => (
            <g key={tick}>
              <line x1={x(tick)} x2={x(tick)} y1={HEIGHT - MARGIN.bottom} y2={HEIGHT - MARGIN.bottom + 5} />
              <text class="chart-tick" x={x(tick)} y={HEIGHT - MARGIN.bottom + 18} text-anchor="middle">
                {timeLabel(tick, span)}
              </text>
            </g>
          ))}
        </g>
        {threshold && (
          <g class="chart-threshold">
            <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(threshold.value)} y2={y(threshold.value)} />
            <text x={width - MARGIN.right - 4} y={y(threshold.value) - 6} text-anchor="end">
              {thresholdText(threshold, series.unit)}
            </text>
          </g>
        )}
        <path class="chart-line" d={path} />
        {points.map((point) => (
          <circle
            key={point.check_id}
            class={`chart-point outcome-${point.outcome}`}
            cx={x(Date.parse(point.at))}
            cy={y(point.value as number)}
            r={point.outcome === 'alerted' ? 5 : 3.5}
          />
        ))}
      </svg>
      <figcaption class="small muted">
        {summary}
      </figcaption>
      <table class="visually-hidden">
        <caption>
          {capitalise(subject)} at each check{unitWords}
        </caption>
        <thead>
          <tr>
            <th scope="col">Checked</th>
            <th scope="col">{capitalise(subject)}</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {points.map((point) => (
            <tr key={point.check_id}>
              <td>{absoluteTime(point.at)}</td>
              <td>{formatValue(point.value as number, point.unit ?? series.unit)}</td>
              <td>{OUTCOME_WORDS[point.outcome]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** A list row's small line of its recent values (and its alert threshold), with the latest written out beside it. */
export function Sparkline(props: { values: (number | null)[]; unit?: string | null; threshold?: SeriesThreshold | null; label: string }) {
  const { values, unit, threshold, label } = props;
  const numbers = values.filter((value): value is number => value !== null);
  if (numbers.length === 0) return null;
  const latest = numbers[numbers.length - 1];
  const first = numbers[0];
  let description = `${label}: ${numbers.length === 1 ? formatValue(latest, unit) : `from ${formatValue(first, unit)} to ${formatValue(latest, unit)}`}`;
  if (threshold) description += `; ${thresholdText(threshold, unit).replace(/^Alert/, 'alert')}`;
  const drawn = sparkline(values, 96, 24, { threshold: threshold?.value });
  return (
    <span class="sparkline">
      <svg role="img" aria-label={description} width="96" height="24" viewBox="0 0 96 24">
        {drawn.thresholdY !== null && <line class="sparkline-threshold" x1="0" x2="96" y1={drawn.thresholdY} y2={drawn.thresholdY} />}
        <path class="chart-line" d={drawn.path} />
      </svg>
      <span class="small" aria-hidden="true">
        {formatValue(latest, unit)}
      </span>
    </span>
  );
}
