import { audit, systemHealth, usage } from '../api/admin';
import type { DependencyStatus } from '../api/types';
import { BudgetsAdmin } from '../components/BudgetsAdmin';
import { QuotasAdmin } from '../components/QuotasAdmin';
import { StatusBadge } from '../components/StatusBadge';
import { AsyncView, Empty } from '../components/states';
import { absoluteTime, formatBytes, formatLatency, humanise, relativeTime } from '../lib/format';
import { useAsync } from '../lib/useAsync';

function usageValue(key: string, value: number | string | null): string {
  if (value === null) return '—';
  if (typeof value === 'number' && /bytes|size/.test(key)) return formatBytes(value);
  if (typeof value === 'number') return value.toLocaleString();
  return value;
}

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
                {Object.entries(data).map(([key, value]) => (
                  <>
                    <dt key={`${key}-t`}>{humanise(key)}</dt>
                    <dd key={`${key}-d`}>{usageValue(key, value)}</dd>
                  </>
                ))}
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
                      <td data-label="From" class="small muted" title={entry.user_agent ?? ''}>
                        {entry.ip ?? '—'}
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
