import { Fragment } from 'preact';
import { audit, systemHealth, usage } from '../api/admin';
import type { DependencyStatus, Usage } from '../api/types';
import { BudgetsAdmin } from '../components/BudgetsAdmin';
import { QuotasAdmin } from '../components/QuotasAdmin';
import { StatusBadge } from '../components/StatusBadge';
import { AsyncView, Empty } from '../components/states';
import { absoluteTime, formatBytes, formatLatency, relativeTime } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { describeUserAgent } from '../lib/userAgent';

/**
 * What each usage figure is called, in the order shown. Keyed by the API's
 * field names, so a new figure fails the type check until it has a name.
 */
const USAGE_FIGURES: Record<keyof Usage, { label: string; bytes?: true }> = {
  users: { label: 'Users' },
  teams: { label: 'Teams' },
  monitors: { label: 'Monitors' },
  checks: { label: 'Checks' },
  deliveries: { label: 'Alert deliveries' },
  database_size_bytes: { label: 'Database size', bytes: true },
  snapshots: { label: 'Snapshots' },
  snapshot_text_bytes: { label: 'Snapshot text', bytes: true },
  snapshot_storage_bytes: { label: 'Snapshots on disk', bytes: true },
};

export function Admin() {
  const health = useAsync(() => systemHealth(), []);
  const numbers = useAsync(() => usage(), []);
  const log = useAsync(() => audit(), []);

  return (
    <section>
      <h1>Admin</h1>
      <div class="grid-2">
        <article class="card">
          <div class="page-head">
            <h2>Service health</h2>
            <button type="button" class="secondary small-button" onClick={() => void health.reload()} disabled={health.loading}>
              Refresh
            </button>
          </div>
          <AsyncView state={health} label="Asking every service…">
            {(report) => {
              const services: Record<string, DependencyStatus> = report.dependencies;
              return (
                <>
                  <p>
                    Overall: <StatusBadge status={report.status === 'ready' || report.status === 'ok' ? 'ok' : 'down'} label={report.status} />
                  </p>
                  <ul class="list compact">
                    {Object.entries(services).map(([name, status]) => (
                      <li class="list-item" key={name}>
                        <span class="strong">{name}</span>
                        <span>
                          <StatusBadge status={status.status === 'ok' || status.status === 'up' ? 'ok' : 'down'} label={status.status} />
                          {status.latency_ms != null && <span class="muted small"> {formatLatency(status.latency_ms)}</span>}
                          {status.error && <div class="small bad-text">{status.error}</div>}
                        </span>
                      </li>
                    ))}
                  </ul>
                </>
              );
            }}
          </AsyncView>
        </article>
        <article class="card">
          <h2>Usage</h2>
          <AsyncView state={numbers} label="Counting…">
            {(data) => (
              <dl class="facts">
                {(Object.keys(USAGE_FIGURES) as (keyof Usage)[]).map((key) => {
                  const { label, bytes } = USAGE_FIGURES[key];
                  return (
                    <Fragment key={key}>
                      <dt>{label}</dt>
                      <dd>{bytes ? formatBytes(data[key]) : data[key].toLocaleString()}</dd>
                    </Fragment>
                  );
                })}
              </dl>
            )}
          </AsyncView>
        </article>
      </div>
      <BudgetsAdmin />
      <QuotasAdmin />
      <h2>Audit log</h2>
      <AsyncView state={log} label="Loading the audit log…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="Nothing recorded yet" />
          ) : (
            <table class="responsive audit">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Target</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((entry) => {
                  const at = entry.at;
                  return (
                    <tr key={entry.id}>
                      <td data-label="When" title={absoluteTime(at)}>
                        {relativeTime(at)}
                      </td>
                      <td data-label="Who">{entry.actor_email ?? entry.actor ?? '—'}</td>
                      <td data-label="What" class="mono">
                        {entry.action}
                      </td>
                      <td data-label="Target" class="small">
                        {entry.target ?? '—'}
                      </td>
                      <td data-label="From" class="small muted" title={entry.user_agent ?? undefined}>
                        {[entry.user_agent && describeUserAgent(entry.user_agent), entry.ip].filter(Boolean).join(' · ') || '—'}
                        {entry.request_id && <div class="mono">{entry.request_id}</div>}
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
