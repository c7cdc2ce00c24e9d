import { useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { listDeadDeliveries, requeueAllDeliveries, requeueDelivery } from '../api/channels';
import { absoluteTime, relativeTime } from '../lib/format';
import { href } from '../lib/router';
import { useAsync } from '../lib/useAsync';
import { AsyncView } from './states';

/** Alerts that could not be delivered, with the receiver's last error, and their requeuing. */
export function DeadLetters({ onRequeued }: { onRequeued?: () => void }) {
  const state = useAsync(() => listDeadDeliveries(), []);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; tone: 'success' | 'error' } | null>(null);

  const act = async (action: () => Promise<string>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ text: await action(), tone: 'success' });
      await state.reload();
      onRequeued?.();
    } catch (error) {
      setMessage({ text: describeError(error), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  const loadMore = async (cursor: string) => {
    setBusy(true);
    try {
      const next = await listDeadDeliveries(cursor);
      state.setData((page) => ({ items: [...(page?.items ?? []), ...next.items], next_cursor: next.next_cursor }));
    } catch (error) {
      setMessage({ text: describeError(error), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="dead-letters-heading">
      <h2 id="dead-letters-heading">Alerts not delivered</h2>
      {message && (
        <p class={`small ${message.tone}-text`} role="status">
          {message.text}
        </p>
      )}
      <AsyncView state={state} label="Loading failed deliveries…">
        {(page) =>
          page.items.length === 0 ? (
            <p class="muted">Every alert reached its channel.</p>
          ) : (
            <>
              <p class="muted small">
                These alerts gave up after their retries. Fix the channel, then send them again.
              </p>
              <div class="button-row">
                <button
                  type="button"
                  class="secondary small-button"
                  disabled={busy}
                  onClick={() =>
                    act(async () => {
                      const { requeued } = await requeueAllDeliveries();
                      return requeued === 1 ? 'One alert is on its way again.' : `${requeued} alerts are on their way again.`;
                    })
                  }
                >
                  Send all again
                </button>
              </div>
              <ul class="list" aria-label="Alerts not delivered">
                {page.items.map((delivery) => (
                  <li key={delivery.id} class="list-item" data-testid="dead-letter">
                    <div>
                      {delivery.monitor_id && delivery.check_id ? (
                        <a href={href(`/monitors/${encodeURIComponent(delivery.monitor_id)}/checks/${encodeURIComponent(delivery.check_id)}`)} class="strong">
                          {delivery.monitor_name}
                        </a>
                      ) : (
                        <span class="strong">
                          {delivery.kind === 'digest' ? `A digest of ${delivery.digest_alerts} alert${delivery.digest_alerts === 1 ? '' : 's'}` : delivery.monitor_name}
                        </span>
                      )}{' '}
                      to <span class="strong">{delivery.channel_name}</span> <span class="badge muted">{delivery.channel_kind}</span>
                      <p class="small error-text">{delivery.last_error ?? 'No error was recorded.'}</p>
                      <p class="small muted">
                        {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'} · alert of{' '}
                        <time dateTime={delivery.created_at} title={absoluteTime(delivery.created_at)}>
                          {relativeTime(delivery.created_at)}
                        </time>
                      </p>
                    </div>
                    <div class="button-row">
                      <button
                        type="button"
                        class="secondary small-button"
                        disabled={busy}
                        onClick={() =>
                          act(async () => {
                            await requeueDelivery(delivery.id);
                            return `The alert to ${delivery.channel_name} is on its way again.`;
                          })
                        }
                      >
                        Send again
                      </button>
                    </div>
                  </li>
                ))}
              </ul>
              {page.next_cursor && (
                <button type="button" class="secondary" disabled={busy} onClick={() => void loadMore(page.next_cursor!)}>
                  Show older
                </button>
              )}
            </>
          )
        }
      </AsyncView>
    </section>
  );
}
