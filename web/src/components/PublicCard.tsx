import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../api/client';

/** The card of the pages people reach without a session: sign-in and the links in emails. */
export function PublicCard({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <main class="signin" id="main">
      <div class="signin-card">
        <p class="brand big">
          <span class="logo" aria-hidden="true">◉</span> Lookout
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/**
 * The page behind a signed link in an email: it says what the link does and
 * does it only when the button is pressed, so a mail scanner that opens
 * links changes nothing.
 */
export function LinkAction<T>({
  title,
  intro,
  button,
  busyButton,
  footnote,
  disabled,
  act,
  done,
}: {
  title: string;
  intro: string;
  button: string;
  busyButton: string;
  footnote?: string;
  disabled: boolean;
  act: () => Promise<T>;
  done: (result: T) => string;
}) {
  const [state, setState] = useState<{ busy: boolean; done: T | null; error: string | null }>({ busy: false, done: null, error: null });

  const run = async () => {
    setState({ busy: true, done: null, error: null });
    try {
      setState({ busy: false, done: await act(), error: null });
    } catch (error) {
      setState({ busy: false, done: null, error: describeError(error) });
    }
  };

  return (
    <PublicCard title={title}>
      {state.done !== null ? (
        <p role="status">{done(state.done)}</p>
      ) : (
        <>
          <p>{intro}</p>
          {state.error && (
            <p class="notice error" role="alert">
              {state.error}
            </p>
          )}
          <button type="button" onClick={run} disabled={state.busy || disabled}>
            {state.busy ? busyButton : button}
          </button>
          {footnote && <p class="small muted">{footnote}</p>}
        </>
      )}
    </PublicCard>
  );
}
