import type { CheckOutcome } from '../api/types';
import { absoluteTime } from '../lib/format';

/** What each outcome is called, in the strip's text alternative and its legend. */
export const OUTCOME_WORDS: Record<CheckOutcome, string> = {
  ok: 'OK',
  changed: 'changed',
  alerted: 'alerted',
  failed: 'failed',
  skipped: 'skipped',
};

const ORDER: CheckOutcome[] = ['ok', 'changed', 'alerted', 'failed', 'skipped'];

/** "20 checks, oldest first: 15 OK, 2 changed, 1 alerted, 2 failed; the latest failed." */
export function describeOutcomes(outcomes: CheckOutcome[]): string {
  if (outcomes.length === 0) return 'No checks yet';
  const counts = ORDER.map((outcome) => [outcome, outcomes.filter((each) => each === outcome).length] as const)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${count} ${OUTCOME_WORDS[outcome]}`);
  const latest = outcomes[outcomes.length - 1];
  const checks = outcomes.length === 1 ? '1 check' : `${outcomes.length} checks`;
  return `Last ${checks}: ${counts.join(', ')}; the latest ${latest === 'ok' ? 'was OK' : OUTCOME_WORDS[latest]}`;
}

/**
 * A strip of recent check outcomes, oldest on the left. Each cell differs in
 * shape as well as colour (OK low, changed half, alerted full with a mark,
 * failed crossed, skipped hollow), and the strip as a whole is one image
 * whose text alternative counts the outcomes and names the latest.
 */
export function OutcomeStrip({ points, label }: { points: { outcome: CheckOutcome; at: string }[]; label?: string }) {
  const description = describeOutcomes(points.map((point) => point.outcome));
  return (
    <div class="outcome-strip" role="img" aria-label={label ? `${label}: ${description}` : description}>
      {points.map((point, index) => (
        <span key={index} class={`outcome-cell outcome-${point.outcome}`} title={`${OUTCOME_WORDS[point.outcome]} · ${absoluteTime(point.at)}`} />
      ))}
    </div>
  );
}

/** What the strip's shapes mean, shown once beside the chart. */
export function OutcomeLegend() {
  return (
    <ul class="outcome-legend small muted" aria-label="Outcomes">
      {ORDER.map((outcome) => (
        <li key={outcome}>
          <span class={`outcome-cell outcome-${outcome}`} aria-hidden="true" /> {OUTCOME_WORDS[outcome] === 'OK' ? 'OK' : OUTCOME_WORDS[outcome][0].toUpperCase() + OUTCOME_WORDS[outcome].slice(1)}
        </li>
      ))}
    </ul>
  );
}
