import type { Check } from '../api/types';
import { absoluteTime } from './format';

type Entry = Pick<Check, 'summary' | 'error' | 'changed' | 'status' | 'repeats' | 'started_at' | 'last_finished_at'>;

/**
 * What a history entry that stands for several scheduled checks in a row says about them:
 * "Unchanged 288 times between … and …". Null for a single check.
 */
export function repeatedLine(entry: Entry): string | null {
  if (entry.repeats <= 1) return null;
  const what = entry.status === 'ok' ? 'Unchanged' : entry.status === 'render_quota' ? 'Not checked' : 'Failed the same way';
  return `${what} ${entry.repeats} times between ${absoluteTime(entry.started_at)} and ${absoluteTime(entry.last_finished_at)}`;
}

/** The one line a history entry is listed with. */
export function entryText(entry: Entry): string {
  if (entry.summary != null) return entry.summary;
  if (entry.error != null) return entry.repeats > 1 ? `${entry.error} (${entry.repeats} times in a row)` : entry.error;
  if (entry.changed) return 'The page changed.';
  return entry.repeats > 1 ? `Unchanged ${entry.repeats} times` : 'Nothing changed.';
}
