import { useState } from 'preact/hooks';
import { bulkMonitors } from '../api/monitors';
import { describeError } from '../api/client';
import type { BulkAction, BulkInput, BulkOutcome, Channel, Tag } from '../api/types';
import { filterQuery, type MonitorFilter } from '../lib/monitorFilter';

/** The most monitors one bulk request may change (the API's cap). */
export const MAX_BULK = 500;

const ACTIONS: { value: BulkAction; label: string; done: string }[] = [
  { value: 'pause', label: 'Pause', done: 'Paused' },
  { value: 'resume', label: 'Resume', done: 'Resumed' },
  { value: 'check_now', label: 'Check now', done: 'Queued a check of' },
  { value: 'add_tag', label: 'Add tag…', done: 'Tagged' },
  { value: 'remove_tag', label: 'Remove tag…', done: 'Untagged' },
  { value: 'attach_channel', label: 'Send alerts to channel…', done: 'Added the channel to' },
  { value: 'detach_channel', label: 'Stop alerts to channel…', done: 'Removed the channel from' },
  { value: 'delete', label: 'Delete', done: 'Deleted' },
];

export function monitorsWord(count: number): string {
  return `${count} ${count === 1 ? 'monitor' : 'monitors'}`;
}

/** A sentence for a bulk answer, e.g. “Paused 3 monitors. 1 could not be changed: …”. */
export function describeOutcome(outcome: BulkOutcome, names: Map<string, string>): string {
  const done = ACTIONS.find((action) => action.value === outcome.action)?.done ?? 'Changed';
  const parts = [`${done} ${monitorsWord(outcome.succeeded)}.`];
  const failures = outcome.results.filter((result) => !result.ok);
  if (failures.length > 0) {
    const reasons = failures
      .slice(0, 5)
      .map((result) => `${names.get(result.id) ?? result.id}: ${result.error?.message ?? 'failed'}`)
      .join('; ');
    const more = failures.length > 5 ? ` and ${failures.length - 5} more` : '';
    parts.push(`${monitorsWord(failures.length)} could not be changed: ${reasons}${more}.`);
  }
  return parts.join(' ');
}

/**
 * The bar shown while monitors are selected: an action, the tag or channel
 * it needs, and Apply. Deleting asks first, naming how many monitors go.
 */
export function BulkActions(props: {
  /** The selected ids, or null when every monitor matching `filter` is selected. */
  ids: string[] | null;
  count: number;
  filter: MonitorFilter;
  tags: Tag[];
  channels: Channel[];
  names: Map<string, string>;
  onDone: (message: string, failed: boolean) => void;
  onClear: () => void;
}) {
  const { ids, count, filter, tags, channels } = props;
  const [action, setAction] = useState<BulkAction>('pause');
  const [tagId, setTagId] = useState('');
  const [channelId, setChannelId] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const needsTag = action === 'add_tag' || action === 'remove_tag';
  const needsChannel = action === 'attach_channel' || action === 'detach_channel';
  const tooMany = count > MAX_BULK;
  const ready = !tooMany && (!needsTag || tagId) && (!needsChannel || channelId);

  const run = async () => {
    setBusy(true);
    setError(null);
    const input: BulkInput = { action, ...(ids ? { ids } : { filter: filterQuery(filter) }) };
    if (needsTag) input.tag_id = tagId;
    if (needsChannel) input.channel_id = channelId;
    try {
      const outcome = await bulkMonitors(input);
      setConfirming(false);
      props.onDone(describeOutcome(outcome, props.names), outcome.failed > 0);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const apply = (event: Event) => {
    event.preventDefault();
    if (!ready) return;
    if (action === 'delete') setConfirming(true);
    else void run();
  };

  return (
    <form class="bulk-bar" aria-label="Act on selected monitors" onSubmit={apply}>
      <p class="bulk-count" role="status">
        {ids ? `${monitorsWord(count)} selected` : `All ${monitorsWord(count)} matching the filter selected`}
      </p>
      <div>
        <label for="bulk-action">Action</label>
        <select
          id="bulk-action"
          value={action}
          onChange={(event) => {
            setAction(event.currentTarget.value as BulkAction);
            setConfirming(false);
          }}
        >
          {ACTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      {needsTag && (
        <div>
          <label for="bulk-tag">Tag</label>
          <select id="bulk-tag" value={tagId} onChange={(event) => setTagId(event.currentTarget.value)}>
            <option value="">Choose a tag</option>
            {tags.map((tag) => (
              <option key={tag.id} value={tag.id}>
                {tag.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {needsChannel && (
        <div>
          <label for="bulk-channel">Channel</label>
          <select id="bulk-channel" value={channelId} onChange={(event) => setChannelId(event.currentTarget.value)}>
            <option value="">Choose a channel</option>
            {channels.map((channel) => (
              <option key={channel.id} value={channel.id}>
                {channel.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="filter-actions">
        <button type="submit" disabled={busy || !ready}>
          {busy ? 'Working…' : 'Apply'}
        </button>
        <button type="button" class="secondary" onClick={props.onClear}>
          Clear selection
        </button>
      </div>
      {tooMany && (
        <p class="hint">
          One action changes at most {MAX_BULK} monitors; narrow the filter or select monitors one by one.
        </p>
      )}
      {confirming && (
        <div class="notice warn bulk-confirm" role="group" aria-label="Confirm deletion">
          <p>
            Delete {monitorsWord(count)} and {count === 1 ? 'its' : 'their'} whole history? This cannot be undone.
          </p>
          <div class="button-row">
            <button type="button" class="danger" disabled={busy} onClick={() => void run()}>
              Delete {monitorsWord(count)}
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
