import { useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { listMonitors, setPaused } from '../api/monitors';
import type { Monitor } from '../api/types';
import { StatusBadge } from '../components/StatusBadge';
import { AsyncView, Empty } from '../components/states';
import { absoluteTime, intervalLabel, relativeTime, sentence } from '../lib/format';
import { href } from '../lib/router';
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

export function Monitors() {
  const state = useAsync(() => listMonitors(), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const togglePause = async (monitor: Monitor) => {
    setBusy(monitor.id);
    setActionError(null);
    try {
      const updated = await setPaused(monitor.id, !monitor.paused);
      state.setData((page) => ({
        ...page!,
        items: page!.items.map((item) => (item.id === updated.id ? updated : item)),
      }));
    } catch (error) {
      setActionError(`Could not ${monitor.paused ? 'resume' : 'pause'} “${monitor.name}”: ${describeError(error)}`);
    } finally {
      setBusy(null);
    }
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
      {actionError && (
        <div class="notice error" role="alert">
          {actionError}
        </div>
      )}
      <AsyncView state={state} label="Loading monitors…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No monitors yet">
              <p>A monitor watches one page and tells you when your condition is met.</p>
              <a class="button" href={href('/monitors/new')}>
                Create your first monitor
              </a>
            </Empty>
          ) : (
            <table class="responsive monitors">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
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
                      <td data-label="Name">
                        <a href={href(`/monitors/${monitor.id}`)} class="strong">
                          {monitor.name}
                        </a>
                        <div class="muted small url" title={monitor.url}>
                          {monitor.url}
                        </div>
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
          )
        }
      </AsyncView>
    </section>
  );
}
