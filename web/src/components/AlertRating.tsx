import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { monitorPrecision, rateCheck } from '../api/ratings';
import type { Check } from '../api/types';
import { useAsync } from '../lib/useAsync';

/** Sent on `window` after a rating is saved, so the monitor's precision refreshes. */
const RATED_EVENT = 'lookout:alert-rated';

/** "Was this alert useful?" with two buttons; the current rating is pressed. */
export function RateAlert({ check }: { check: Check }) {
  const [rating, setRating] = useState<string | null>(check.rating ?? null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const rate = async (choice: 'useful' | 'noise') => {
    setBusy(true);
    setError(null);
    try {
      const saved = await rateCheck(check.monitor_id, check.id, choice);
      setRating(saved.rating);
      window.dispatchEvent(new CustomEvent(RATED_EVENT, { detail: check.monitor_id }));
    } catch (caught) {
      setError(`Could not save the rating: ${describeError(caught)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="rate-alert" role="group" aria-label="Rate this alert" data-testid="rate-alert">
      <span class="small">Was this alert useful?</span>{' '}
      <button type="button" class="secondary small-button" aria-pressed={rating === 'useful'} disabled={busy} onClick={() => rate('useful')}>
        Useful
      </button>{' '}
      <button type="button" class="secondary small-button" aria-pressed={rating === 'noise'} disabled={busy} onClick={() => rate('noise')}>
        Noise
      </button>
      {rating && (
        <span class="small muted" role="status">
          {' '}
          Rated {rating}. Lookout shows the model this monitor's rated alerts when it judges the next change.
        </span>
      )}
      {error && (
        <p class="small bad-text" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Precision over the monitor's last rated alerts, for the monitor page. */
export function AlertPrecision({ monitorId }: { monitorId: string }) {
  const state = useAsync(() => monitorPrecision(monitorId), [monitorId]);
  useEffect(() => {
    const refresh = (event: Event) => {
      if ((event as CustomEvent<string>).detail === monitorId) void state.reload();
    };
    window.addEventListener(RATED_EVENT, refresh);
    return () => window.removeEventListener(RATED_EVENT, refresh);
  }, [monitorId, state.reload]);
  const figures = state.data;
  if (!figures) return null;
  return (
    <section class="card" data-testid="alert-precision" aria-labelledby="precision-title">
      <h2 id="precision-title">Alert precision</h2>
      {figures.precision == null ? (
        <p class="muted">No rated alerts yet. Rate alerts "useful" or "noise" in the history below or from the links in each alert.</p>
      ) : (
        <p>
          <strong>{Math.round(figures.precision * 100)} %</strong> useful: {figures.useful} of the last {figures.rated} rated alerts
          {figures.noise > 0 ? ` (${figures.noise} noise)` : ''}. The latest ratings guide the model's next verdicts for this monitor.
        </p>
      )}
    </section>
  );
}
