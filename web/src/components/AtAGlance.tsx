import type { MonitorSeries } from '../api/types';
import { absoluteTime, relativeTime } from '../lib/format';
import { OutcomeLegend, OutcomeStrip } from './OutcomeStrip';
import { ValueChart } from './ValueChart';

/** How many outcomes the monitor page's strip shows: enough to see flapping, narrow enough for a phone. */
export const STRIP_CHECKS = 40;

/** The text values a verdict extracted (a version, a phrase), each change once, newest first. */
export function valueChanges(series: MonitorSeries): { value: string; at: string }[] {
  const changes: { value: string; at: string }[] = [];
  for (const point of series.points) {
    if (point.value_kind !== 'text' || !point.extracted_value) continue;
    if (changes[changes.length - 1]?.value !== point.extracted_value) changes.push({ value: point.extracted_value, at: point.at });
  }
  return changes.reverse();
}

/**
 * A monitor's recent checks at a glance: the chart of the value its
 * verdicts extract (when they extract numbers), the text values as they
 * changed (when they extract words, such as a version), and the strip of
 * outcomes, so a flapping or failing monitor shows without reading rows.
 */
export function AtAGlance({ series }: { series: MonitorSeries }) {
  const hasNumbers = series.points.some((point) => point.value != null);
  const changes = hasNumbers ? [] : valueChanges(series).slice(0, 5);
  const recent = series.points.slice(-STRIP_CHECKS);
  return (
    <section class="card glance" aria-labelledby="glance-heading">
      <h2 id="glance-heading">At a glance</h2>
      {series.points.length === 0 ? (
        <p class="muted">Nothing to show until the first check has run.</p>
      ) : (
        <>
          {hasNumbers && <ValueChart series={series} />}
          {changes.length > 0 && (
            <>
              <h3>Value</h3>
              <ol class="value-changes">
                {changes.map((change) => (
                  <li key={change.at}>
                    <span class="mono">{change.value}</span>{' '}
                    <time class="muted small" dateTime={change.at} title={absoluteTime(change.at)}>
                      first seen {relativeTime(change.at)}
                    </time>
                  </li>
                ))}
              </ol>
            </>
          )}
          {!hasNumbers && changes.length === 0 && (
            <p class="muted small">The verdicts extract no value to chart for this condition; the outcomes are below.</p>
          )}
          <h3>Recent checks</h3>
          <OutcomeStrip points={recent} />
          <OutcomeLegend />
        </>
      )}
    </section>
  );
}
