import { useEffect, useMemo, useState } from 'preact/hooks';
import { listChannels } from '../api/channels';
import { describeError } from '../api/client';
import { listMonitors, setPaused } from '../api/monitors';
import { listTags } from '../api/tags';
import type { Monitor, MonitorListItem, Tag } from '../api/types';
import { BulkActions, MAX_BULK, monitorsWord } from '../components/BulkActions';
import { MonitorFilterBar } from '../components/MonitorFilterBar';
import { OutcomeStrip } from '../components/OutcomeStrip';
import { StatusBadge } from '../components/StatusBadge';
import { TagChips } from '../components/TagChip';
import { TagManager } from '../components/TagManager';
import { Sparkline } from '../components/ValueChart';
import { AsyncView, Empty } from '../components/states';
import { absoluteTime, intervalLabel, relativeTime, sentence } from '../lib/format';
import { describeFilter, isFiltered, parseFilter } from '../lib/monitorFilter';
import { href, useLocationSearch } from '../lib/router';
import { useAsync } from '../lib/useAsync';

export function monitorStatus(monitor: Monitor): { status: string; label: string } {
  if (monitor.paused) return { status: 'paused', label: 'Paused' };
  if (!monitor.last_status) return { status: 'pending', label: 'Not checked yet' };
  if (monitor.last_status === 'ok') return { status: 'ok', label: 'OK' };
  return { status: monitor.last_status, label: sentence(monitor.last_status) };
}

function Time({ iso }: { iso?: string | null }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

/** A row's last checks: a sparkline of the values they extracted, and the strip of their outcomes. */
function RecentCell({ monitor }: { monitor: MonitorListItem }) {
  const { points, unit, threshold } = monitor.recent;
  if (points.length === 0) return <span class="muted small">No checks yet</span>;
  return (
    <>
      <Sparkline values={points.map((point) => point.value ?? null)} unit={unit} threshold={threshold} label={`Values of ${monitor.name}`} />
      <OutcomeStrip points={points} label={`Recent checks of ${monitor.name}`} />
    </>
  );
}

export function Monitors() {
  const search = useLocationSearch();
  const filter = useMemo(() => parseFilter(search), [search]);
  const state = useAsync(() => listMonitors(filter), [search]);
  const tags = useAsync(() => listTags(), []);
  const channels = useAsync(() => listChannels(), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; failed: boolean } | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);

  // A new filter is a new list: nothing of the old one stays selected.
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
  }, [search]);

  const tagList: Tag[] = tags.data?.items ?? [];
  const items = state.data?.items ?? [];
  const total = state.data?.total ?? items.length;
  const names = useMemo(() => new Map(items.map((monitor) => [monitor.id, monitor.name])), [items]);
  const allShownSelected = items.length > 0 && items.every((monitor) => selected.has(monitor.id));
  const selectionCount = allMatching ? total : selected.size;

  const togglePause = async (monitor: MonitorListItem) => {
    setBusy(monitor.id);
    setActionError(null);
    try {
      const updated = await setPaused(monitor.id, !monitor.paused);
      state.setData((page) => ({
        ...page!,
        // The row keeps its recent checks: pausing changes none of them.
        items: page!.items.map((item) => (item.id === updated.id ? { ...item, ...updated } : item)),
      }));
    } catch (error) {
      setActionError(`Could not ${monitor.paused ? 'resume' : 'pause'} “${monitor.name}”: ${describeError(error)}`);
    } finally {
      setBusy(null);
    }
  };

  const loadMore = async () => {
    const cursor = state.data?.next_cursor;
    if (!cursor) return;
    setLoadingMore(true);
    setActionError(null);
    try {
      const next = await listMonitors(filter, cursor);
      state.setData((page) => ({
        ...next,
        items: [...(page?.items ?? []), ...next.items.filter((item) => !page?.items.some((known) => known.id === item.id))],
      }));
    } catch (error) {
      setActionError(`Could not load more monitors: ${describeError(error)}`);
    } finally {
      setLoadingMore(false);
    }
  };

  const toggle = (id: string) => {
    setAllMatching(false);
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };

  const toggleAllShown = () => {
    setAllMatching(false);
    setSelected(allShownSelected ? new Set() : new Set(items.map((monitor) => monitor.id)));
  };

  const clearSelection = () => {
    setSelected(new Set());
    setAllMatching(false);
  };

  const bulkDone = (text: string, failed: boolean) => {
    setNotice({ text, failed });
    clearSelection();
    void state.reload();
    void tags.reload();
  };

  return (
    <section>
      <div class="page-head">
        <h1>Monitors</h1>
        <span class="page-head-actions">
          <a class="button secondary" href={href('/import')}>
            Import
          </a>
          <a class="button" href={href('/monitors/new')}>
            New monitor
          </a>
        </span>
      </div>
      <MonitorFilterBar filter={filter} tags={tagList} />
      <details class="card tags-card">
        <summary>Manage tags{tagList.length > 0 ? ` (${tagList.length})` : ''}</summary>
        {tags.data ? (
          <TagManager tags={tagList} onChange={(next) => tags.setData({ items: next })} />
        ) : tags.error ? (
          <p class="muted">Tags could not be loaded: {describeError(tags.error)}</p>
        ) : (
          <p class="muted">Loading tags…</p>
        )}
      </details>
      {actionError && (
        <div class="notice error" role="alert">
          {actionError}
        </div>
      )}
      {notice && (
        <div class={`notice ${notice.failed ? 'warn' : 'success'}`} role="status">
          {notice.text}
        </div>
      )}
      {selectionCount > 0 && (
        <BulkActions
          ids={allMatching ? null : [...selected]}
          count={selectionCount}
          filter={filter}
          tags={tagList}
          channels={channels.data?.items ?? []}
          names={names}
          onDone={bulkDone}
          onClear={clearSelection}
        />
      )}
      <AsyncView state={state} label="Loading monitors…">
        {(page) =>
          page.items.length === 0 ? (
            isFiltered(filter) ? (
              <Empty title="No monitors match this filter">
                <a class="button secondary" href={href('/monitors')}>
                  Show every monitor
                </a>
              </Empty>
            ) : (
              <Empty title="No monitors yet">
                <p>A monitor watches one page and tells you when your condition is met.</p>
                <a class="button" href={href('/monitors/new')}>
                  Create your first monitor
                </a>
              </Empty>
            )
          ) : (
            <>
              <p class="muted list-summary" aria-live="polite">
                {describeFilter(filter)}: {page.total ?? page.items.length}
                {page.items.length < (page.total ?? page.items.length) ? `, ${page.items.length} shown` : ''}
              </p>
              {allShownSelected && !allMatching && total > items.length && (
                <p class="notice info select-all">
                  All {monitorsWord(items.length)} shown are selected.{' '}
                  <button type="button" class="secondary small-button" onClick={() => setAllMatching(true)} disabled={total > MAX_BULK}>
                    Select all {monitorsWord(total)} matching
                  </button>
                  {total > MAX_BULK && <span class="hint"> (at most {MAX_BULK} at once)</span>}
                </p>
              )}
              <table class="responsive monitors">
                <thead>
                  <tr>
                    <th scope="col" class="select-cell">
                      <input
                        type="checkbox"
                        id="select-all-shown"
                        checked={allShownSelected}
                        onChange={toggleAllShown}
                        aria-label="Select every monitor shown"
                      />
                    </th>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">Recent checks</th>
                    <th scope="col">Last check</th>
                    <th scope="col">Last alert</th>
                    <th scope="col">Next check</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((monitor) => {
                    const status = monitorStatus(monitor);
                    return (
                      <tr key={monitor.id}>
                        <td class="select-cell">
                          <input
                            type="checkbox"
                            checked={allMatching || selected.has(monitor.id)}
                            onChange={() => toggle(monitor.id)}
                            aria-label={`Select ${monitor.name}`}
                          />
                        </td>
                        <td data-label="Name">
                          <a href={href(`/monitors/${monitor.id}`)} class="strong">
                            {monitor.name}
                          </a>
                          <div class="muted small url" title={monitor.url}>
                            {monitor.url}
                          </div>
                          <TagChips tags={monitor.tags} link />
                          <div class="muted small">{intervalLabel(monitor.interval_seconds)}</div>
                        </td>
                        <td data-label="Status">
                          <StatusBadge status={status.status} label={status.label} />
                          {monitor.consecutive_failures > 1 && (
                            <div class="small muted">
                              {monitor.consecutive_failures} failures in a row
                              {monitor.failing && ' · failing alert sent'}
                            </div>
                          )}
                        </td>
                        <td data-label="Recent checks" class="recent-cell">
                          <RecentCell monitor={monitor} />
                        </td>
                        <td data-label="Last check">
                          <Time iso={monitor.last_checked_at} />
                        </td>
                        <td data-label="Last alert">
                          <Time iso={monitor.last_triggered_at} />
                        </td>
                        <td data-label="Next check">{monitor.paused ? <span class="muted">paused</span> : <Time iso={monitor.next_check_at} />}</td>
                        <td class="actions">
                          <button
                            type="button"
                            class="secondary small-button"
                            disabled={busy === monitor.id}
                            onClick={() => togglePause(monitor)}
                            aria-label={`${monitor.paused ? 'Resume' : 'Pause'} ${monitor.name}`}
                          >
                            {monitor.paused ? 'Resume' : 'Pause'}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {page.next_cursor && (
                <div class="form-actions">
                  <button type="button" class="secondary" onClick={() => void loadMore()} disabled={loadingMore}>
                    {loadingMore ? 'Loading…' : 'Load more'}
                  </button>
                </div>
              )}
            </>
          )
        }
      </AsyncView>
    </section>
  );
}
