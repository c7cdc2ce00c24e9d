import { useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { listSessions, revokeSession } from '../api/auth';
import type { Session } from '../api/types';
import { AsyncView, Empty } from '../components/states';
import { absoluteTime, relativeTime, timeSince } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { describeUserAgent } from '../lib/userAgent';

export function Sessions() {
  const state = useAsync(() => listSessions(), []);
  const [error, setError] = useState<string | null>(null);

  const revoke = async (session: Session) => {
    const question = session.current
      ? 'Revoke this session? You will be signed out here.'
      : 'Revoke this session? That device will have to sign in again.';
    if (!window.confirm(question)) return;
    setError(null);
    try {
      await revokeSession(session.id);
      if (session.current) {
        location.reload();
        return;
      }
      state.setData((page) => ({ ...page!, items: page!.items.filter((item) => item.id !== session.id) }));
    } catch (caught) {
      setError(`Could not revoke the session: ${describeError(caught)}`);
    }
  };

  return (
    <section>
      <h1>Sessions</h1>
      <p class="muted">Browsers where you are signed in. Revoke any you do not recognise.</p>
      {error && (
        <div class="notice error" role="alert">
          {error}
        </div>
      )}
      <AsyncView state={state} label="Loading sessions…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No other sessions" />
          ) : (
            <ul class="list">
              {page.items.map((session) => (
                <li class="list-item" key={session.id}>
                  <div>
                    <span data-testid="session-name">
                      <span class="strong" title={session.user_agent || undefined}>
                        {describeUserAgent(session.user_agent)}
                      </span>
                      {' · '}
                      <span title={absoluteTime(session.created_at)}>since {timeSince(session.created_at)}</span>
                      {session.ip && <> · {session.ip}</>}
                    </span>{' '}
                    {session.current && <span class="badge good">this browser</span>}
                    <div class="muted small">last active {relativeTime(session.last_used_at)}</div>
                  </div>
                  <button type="button" class="danger small-button" onClick={() => revoke(session)}>
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </AsyncView>
    </section>
  );
}
