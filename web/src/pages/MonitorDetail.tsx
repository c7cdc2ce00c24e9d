import { useEffect, useRef, useState } from 'preact/hooks';
import { listChannels } from '../api/channels';
import { describeError } from '../api/client';
import { deleteMonitor, getMonitor, getSeries, listChecks, runNow, setPaused } from '../api/monitors';
import type { Channel, Check, Monitor, Page } from '../api/types';
import { AlertPrecision, RateAlert } from '../components/AlertRating';
import { AtAGlance } from '../components/AtAGlance';
import { DiffView } from '../components/DiffView';
import { HistoryExport } from '../components/HistoryExport';
import { StatusBadge } from '../components/StatusBadge';
import { TagChips } from '../components/TagChip';
import { MonitorUsageLine } from '../components/TeamUsage';
import { VerdictDetails } from '../components/VerdictDetails';
import { AsyncView, Empty, ErrorMessage, Loading } from '../components/states';
import { entryText, repeatedLine } from '../lib/checkRuns';
import { absoluteTime, intervalLabel, relativeTime, sentence } from '../lib/format';
import { href, navigate } from '../lib/router';
import { useDocumentTitle } from '../lib/title';
import { useAsync } from '../lib/useAsync';
import { monitorStatus } from './Monitors';

/** How often the page asks for news while a requested check is pending. */
export const POLL_MS = 2000;
/** A requested check that has not shown up after this long is reported, not waited for forever. */
const POLL_GIVE_UP_MS = 120_000;

export function verdictOf(check: Check): { status: string; label: string } {
  if (check.unjudged_reason && check.triggered) return { status: 'triggered', label: 'Alert (not judged)' };
  if (check.unjudged_reason === 'over_budget') return { status: check.status, label: 'Over budget (not judged)' };
  if (check.status !== 'ok') return { status: check.status, label: sentence(check.status) };
  if (check.first_alert) return { status: 'triggered', label: 'Alert: already true' };
  if (check.baseline) return { status: 'pending', label: 'First snapshot' };
  if (check.triggered) return { status: 'triggered', label: 'Alert' };
  if (check.changed) return { status: 'ok', label: 'Changed, no alert' };
  return { status: 'ok', label: 'No change' };
}

/** The link an alert carries: the check's own page. */
export function checkPath(check: Pick<Check, 'id' | 'monitor_id'>): string {
  return `/monitors/${encodeURIComponent(check.monitor_id)}/checks/${encodeURIComponent(check.id)}`;
}

/** What a check found, and what changed; shared by the history and the check's page. */
export function CheckFacts({ check, diffId }: { check: Check; diffId?: string }) {
  return (
    <>
      {check.triggered && <RateAlert check={check} />}
      <dl class="facts">
        <dt>Verdict</dt>
        <dd>{check.triggered ? 'Your condition is met' : check.baseline ? 'Recorded as the starting point' : 'Condition not met'}</dd>
        {check.judge_reason && (
          <>
            <dt>Why</dt>
            <dd>{check.judge_reason}</dd>
          </>
        )}
        {check.extracted_value && (
          <>
            <dt>Value</dt>
            <dd class="mono">{check.extracted_value}</dd>
          </>
        )}
        {check.confidence != null && (
          <>
            <dt>Confidence</dt>
            <dd>{Math.round(check.confidence * 100)} %</dd>
          </>
        )}
        <VerdictDetails check={check} />
        {check.error && (
          <>
            <dt>Problem</dt>
            <dd>{check.error}</dd>
          </>
        )}
        <dt>Started by</dt>
        <dd>{check.reason}</dd>
        {check.repeats > 1 && (
          <>
            <dt>Checked</dt>
            <dd data-testid="check-repeats">{repeatedLine(check)}</dd>
          </>
        )}
        {check.http_status !== null && (
          <>
            <dt>HTTP status</dt>
            <dd>{check.http_status}</dd>
          </>
        )}
        {check.duration_ms !== null && (
          <>
            <dt>Took</dt>
            <dd>
              {check.duration_ms} ms{check.judge ? ` · judged by ${check.judge}` : ''}
            </dd>
          </>
        )}
      </dl>
      {check.diff ? (
        <section id={diffId} tabIndex={diffId ? -1 : undefined} aria-label="What changed">
          {/* On the check's own page the diff is a section of the page, under its h1. */}
          {diffId ? <h2>What changed</h2> : <h3>What changed</h3>}
          <DiffView diff={check.diff} />
        </section>
      ) : (
        !check.baseline && check.status === 'ok' && <p class="muted small">No text difference was stored for this check.</p>
      )}
    </>
  );
}

const channelCount = (count: number) => (count === 1 ? '1 channel' : `${count} channels`);

function channelName(channel: Channel): string {
  if (channel.awaiting_confirmation) return `${channel.name} (not confirmed yet)`;
  return channel.enabled ? channel.name : `${channel.name} (off)`;
}

/** The channels a monitor's alerts go to, by name; a count while the names load or if they cannot. */
function AlertChannels({ ids }: { ids: string[] }) {
  const channels = useAsync(() => (ids.length === 0 ? Promise.resolve(null) : listChannels()), [ids.join()]);
  if (ids.length === 0) return <span class="muted">No channel: alerts are only shown here</span>;
  if (!channels.data) return <>{channelCount(ids.length)}</>;
  const listed = channels.data.items;
  const known = ids.flatMap((id) => listed.filter((channel) => channel.id === id));
  const names = known.map(channelName);
  // Ids the list does not hold are still counted, so the line never claims fewer channels than the monitor has.
  const unlisted = ids.length - known.length;
  if (unlisted > 0) names.push(unlisted === 1 ? 'another channel' : `${unlisted} other channels`);
  return <>{names.join(', ')}</>;
}

function CheckItem({ check, open, onToggle }: { check: Check; open: boolean; onToggle: () => void }) {
  const verdict = verdictOf(check);
  const panel = `check-${check.id}`;
  // A run of repeated checks is dated by its latest check.
  const shownAt = check.repeats > 1 ? check.last_finished_at : check.started_at;
  return (
    <li class={`check-item ${check.triggered ? 'triggered' : ''}`} data-testid="check-item">
      <button type="button" class="check-summary" aria-expanded={open} aria-controls={panel} onClick={onToggle}>
        <StatusBadge status={verdict.status} label={verdict.label} />
        <span class="check-text">{entryText(check)}</span>
        <time class="muted small" dateTime={shownAt} title={repeatedLine(check) ?? absoluteTime(shownAt)}>
          {relativeTime(shownAt)}
        </time>
      </button>
      {open && (
        <div class="check-details" id={panel}>
          <CheckFacts check={check} />
          <p class="small">
            <a href={href(checkPath(check))}>Open this check on its own page</a>
          </p>
        </div>
      )}
    </li>
  );
}

export function MonitorDetail({ id }: { id: string }) {
  const monitor = useAsync(() => getMonitor(id), [id]);
  useDocumentTitle(monitor.data?.name ?? 'Monitor');
  const checks = useAsync(() => listChecks(id), [id]);
  const series = useAsync(() => getSeries(id), [id]);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [waitingSince, setWaitingSince] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const knownChecks = useRef<string | null>(null);
  const topWhenAsked = useRef<string | null>(null);

  // Opens the newest check once, and again whenever a newer one arrives;
  // a newer one also redraws the chart, which then holds it too.
  useEffect(() => {
    const newest = checks.data?.items[0];
    if (newest && newest.id !== knownChecks.current) {
      if (knownChecks.current !== null) void series.reload();
      knownChecks.current = newest.id;
      setOpen(new Set([newest.id]));
    }
  }, [checks.data]);

  const pending = waitingSince !== null || monitor.data?.run_requested === true;
  useEffect(() => {
    if (!pending) return;
    const timer = window.setInterval(async () => {
      await Promise.all([monitor.reload(), checks.reload()]);
      if (waitingSince !== null && Date.now() - waitingSince > POLL_GIVE_UP_MS) {
        setWaitingSince(null);
        setNotice('The check has not finished yet. It will show up here when it has run; reload later.');
      }
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [pending, waitingSince]);

  useEffect(() => {
    // A check newer than the one on top when "Check now" was pressed ends the wait.
    const newest = checks.data?.items[0]?.id ?? null;
    if (waitingSince !== null && newest !== topWhenAsked.current) {
      setWaitingSince(null);
      setNotice(null);
    }
  }, [checks.data, waitingSince]);

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setActionError(null);
    try {
      await action();
    } catch (error) {
      setActionError(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  const checkNow = () =>
    act(async () => {
      topWhenAsked.current = checks.data?.items[0]?.id ?? null;
      await runNow(id);
      setWaitingSince(Date.now());
      monitor.setData((current) => ({ ...current!, run_requested: true }));
      setNotice('Check requested. Results appear below in a moment.');
    });

  const togglePause = (current: Monitor) =>
    act(async () => {
      monitor.setData(await setPaused(id, !current.paused));
    });

  const remove = (current: Monitor) =>
    act(async () => {
      if (!window.confirm(`Delete “${current.name}” and its history? This cannot be undone.`)) return;
      await deleteMonitor(id);
      navigate('/monitors');
    });

  return (
    <section>
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href={href('/monitors')}>Monitors</a>
      </nav>
      <AsyncView state={monitor} label="Loading monitor…">
        {(current) => {
          const status = monitorStatus(current);
          return (
            <>
              <div class="page-head">
                <div>
                  <h1>{current.name}</h1>
                  <a class="url small" href={current.url} rel="noreferrer noopener" target="_blank">
                    {current.url}
                  </a>
                </div>
                <div class="button-row">
                  <button type="button" onClick={checkNow} disabled={busy || pending}>
                    {pending ? 'Checking…' : 'Check now'}
                  </button>
                  <a class="button secondary" href={href(`/monitors/${id}/edit`)}>
                    Edit
                  </a>
                  <button type="button" class="secondary" onClick={() => togglePause(current)} disabled={busy}>
                    {current.paused ? 'Resume' : 'Pause'}
                  </button>
                  <button type="button" class="danger" onClick={() => remove(current)} disabled={busy}>
                    Delete
                  </button>
                </div>
              </div>
              {actionError && (
                <div class="notice error" role="alert">
                  {actionError}
                </div>
              )}
              {notice && (
                <div class="notice info" role="status">
                  {notice}
                </div>
              )}
              <dl class="facts card summary-card">
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={status.status} label={status.label} />
                </dd>
                <dt>Condition</dt>
                <dd>{current.condition || <span class="muted">Any change</span>}</dd>
                {current.css_selector && (
                  <>
                    <dt>Selector</dt>
                    <dd class="mono">{current.css_selector}</dd>
                  </>
                )}
                <dt>Checks</dt>
                <dd>{intervalLabel(current.interval_seconds)}</dd>
                <dt>Last check</dt>
                <dd>{relativeTime(current.last_checked_at)}</dd>
                <dt>Next check</dt>
                <dd>{current.paused ? 'Paused' : relativeTime(current.next_check_at)}</dd>
                <dt>Alerts go to</dt>
                <dd>
                  <AlertChannels ids={current.channel_ids} />
                </dd>
                <dt>Tags</dt>
                <dd>{current.tags && current.tags.length > 0 ? <TagChips tags={current.tags} link /> : <span class="muted">None</span>}</dd>
              </dl>
              <MonitorUsageLine teamId={current.team_id} monitorId={current.id} />
              <AlertPrecision monitorId={current.id} />
            </>
          );
        }}
      </AsyncView>
      {series.data && <AtAGlance series={series.data} />}
      {/* The chart is a summary of the history below, so its failure is said quietly, not as an alert. */}
      {series.error && !series.data && <p class="muted small">The chart could not be loaded: {describeError(series.error)}</p>}
      <h2>History</h2>
      <HistoryExport monitorId={id} />
      <CheckHistory state={checks} open={open} setOpen={setOpen} pending={pending} />
    </section>
  );
}

function CheckHistory(props: {
  state: ReturnType<typeof useAsync<Page<Check>>>;
  open: Set<string>;
  setOpen: (open: Set<string>) => void;
  pending: boolean;
}) {
  const { state, open, setOpen } = props;
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  if (state.error && !state.data) return <ErrorMessage error={state.error} onRetry={() => void state.reload()} />;
  if (!state.data) return <Loading label="Loading history…" />;
  const page = state.data;
  const loadMore = async () => {
    if (!page.next_cursor || page.items.length === 0) return;
    setMore({ loading: true, error: null });
    try {
      const next = await listChecks(page.items[0].monitor_id, page.next_cursor);
      state.setData({ items: [...page.items, ...next.items], next_cursor: next.next_cursor });
      setMore({ loading: false, error: null });
    } catch (error) {
      setMore({ loading: false, error });
    }
  };
  if (page.items.length === 0) {
    return (
      <Empty title={props.pending ? 'The first check is running…' : 'No checks yet'}>
        <p>The first check records the page as it is; later checks compare against it.</p>
      </Empty>
    );
  }
  return (
    <>
      <ol class="checks" aria-label="Checks, newest first">
        {page.items.map((check) => (
          <CheckItem
            key={check.id}
            check={check}
            open={open.has(check.id)}
            onToggle={() => {
              const next = new Set(open);
              if (next.has(check.id)) next.delete(check.id);
              else next.add(check.id);
              setOpen(next);
            }}
          />
        ))}
      </ol>
      {more.error !== null && <ErrorMessage error={more.error} />}
      {page.next_cursor && (
        <button type="button" class="secondary" onClick={loadMore} disabled={more.loading}>
          {more.loading ? 'Loading…' : 'Show older checks'}
        </button>
      )}
    </>
  );
}
