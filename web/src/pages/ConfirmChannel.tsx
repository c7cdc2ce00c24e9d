import { useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { confirmChannel } from '../api/channels';
import type { Confirmed } from '../api/types';
import { useDocumentTitle } from '../lib/title';

/**
 * Where the link in a confirmation email leads; no account needed. The
 * confirmation is a button, not the page load, so a mail scanner that opens
 * links confirms nothing.
 */
export function ConfirmChannel() {
  useDocumentTitle('Confirm alerts');
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [state, setState] = useState<{ busy: boolean; done: Confirmed | null; error: string | null }>({ busy: false, done: null, error: null });

  const confirm = async () => {
    setState({ busy: true, done: null, error: null });
    try {
      setState({ busy: false, done: await confirmChannel(token), error: null });
    } catch (error) {
      setState({ busy: false, done: null, error: describeError(error) });
    }
  };

  return (
    <main class="signin" id="main">
      <div class="signin-card">
        <p class="brand big">
          <span class="logo" aria-hidden="true">◉</span> Lookout
        </p>
        <h1>Confirm alerts</h1>
        {state.done ? (
          <p role="status">
            Confirmed: alerts of “{state.done.name}” now go to {state.done.address}.
          </p>
        ) : (
          <>
            <p>Someone asked Lookout to send alerts to your address. Nothing is sent unless you confirm.</p>
            {state.error && (
              <p class="notice error" role="alert">
                {state.error}
              </p>
            )}
            <button type="button" onClick={confirm} disabled={state.busy || token === ''}>
              {state.busy ? 'Confirming…' : 'Yes, send me these alerts'}
            </button>
            <p class="small muted">If you did not expect this, close this page: nothing more will be sent.</p>
          </>
        )}
      </div>
    </main>
  );
}
