import type { ComponentChildren } from 'preact';
import { ApiError, describeError } from '../api/client';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const requestId = error instanceof ApiError ? error.requestId : null;
  return (
    <div class="notice error" role="alert">
      <p>{describeError(error)}</p>
      {requestId && <p class="muted small">Request id: <code>{requestId}</code></p>}
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** Renders loading, error or the content; the content decides its own empty state. */
export function AsyncView<T>(props: {
  state: { data: T | undefined; error: unknown; loading: boolean; reload: () => Promise<void> };
  children: (data: T) => ComponentChildren;
  label?: string;
}) {
  const { data, error, loading, reload } = props.state;
  if (error && data === undefined) return <ErrorMessage error={error} onRetry={() => void reload()} />;
  if (data === undefined) return loading ? <Loading label={props.label} /> : null;
  return (
    <>
      {error ? <ErrorMessage error={error} onRetry={() => void reload()} /> : null}
      {props.children(data)}
    </>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p class="field-error" id={id}>
      {message}
    </p>
  );
}
