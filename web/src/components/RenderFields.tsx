import type { BrowserStep, CookiePair } from '../api/types';
import { isMasked, MASKED_VALUE } from './HeaderFields';
import { FieldError } from './states';

/** Step kinds as the gateway names them, with what each needs (crates/gateway: `render_options`). */
export const STEP_ACTIONS: { action: string; label: string; selector: boolean; value?: string; ms?: boolean }[] = [
  { action: 'goto', label: 'Go to a page', selector: false, value: 'Address' },
  { action: 'fill', label: 'Fill in a field', selector: true, value: 'Text to type' },
  { action: 'click', label: 'Click', selector: true },
  { action: 'press', label: 'Press a key', selector: false, value: 'Key' },
  { action: 'wait_for', label: 'Wait for an element', selector: true },
  { action: 'wait', label: 'Wait', selector: false, ms: true },
];

/** Keys a `press` step accepts (the gateway's list). */
export const STEP_KEYS = ['Enter', 'Tab', 'Escape', 'Space', 'Backspace', 'ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'PageDown', 'PageUp', 'Home', 'End'];

export const MAX_STEPS = 20;

/** A step as sent: only the fields its action uses. */
export function stepInput(step: BrowserStep): BrowserStep {
  const kind = STEP_ACTIONS.find((candidate) => candidate.action === step.action);
  const out: BrowserStep = { action: step.action };
  if (kind?.selector) out.selector = (step.selector ?? '').trim();
  if (kind?.value) out.value = step.action === 'goto' ? (step.value ?? '').trim() : step.value ?? '';
  if (kind?.ms) out.ms = step.ms ?? 0;
  return out;
}

/** What a render waits for before reading the page. */
export function WaitForField(props: { value: string; onChange: (value: string) => void; error?: string }) {
  return (
    <>
      <label for="monitor-wait_for">Wait before reading (optional)</label>
      <input
        id="monitor-wait_for"
        class="mono"
        value={props.value}
        onInput={(event) => props.onChange(event.currentTarget.value)}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={['monitor-wait_for-hint', props.error ? 'monitor-wait_for-error' : ''].filter(Boolean).join(' ')}
        placeholder="#results or 2000"
      />
      <p class="hint" id="monitor-wait_for-hint">
        Rendered pages are read once the network is quiet. Give a CSS selector to wait for an element, or a number of
        milliseconds (at most 10000).
      </p>
      <FieldError id="monitor-wait_for-error" message={props.error} />
    </>
  );
}

/** Cookies for the watched page's host only; values are secrets, shown masked once saved. */
export function CookieFields(props: { cookies: CookiePair[]; onChange: (cookies: CookiePair[]) => void; error?: string }) {
  const { cookies, onChange } = props;
  const update = (index: number, change: Partial<CookiePair>) =>
    onChange(cookies.map((cookie, at) => (at === index ? { ...cookie, ...change } : cookie)));
  return (
    <fieldset>
      <legend>Cookies (optional)</legend>
      <p class="hint" id="monitor-cookies-hint">
        Sent to the page's own host only, never to other sites the page loads. Values are stored encrypted and never shown
        again.
      </p>
      {cookies.map((cookie, index) => (
        <div class="row" key={index} data-testid="cookie-row">
          <div>
            <label for={`monitor-cookie-name-${index}`}>Cookie name</label>
            <input
              id={`monitor-cookie-name-${index}`}
              class="mono"
              value={cookie.name}
              onInput={(event) => update(index, { name: event.currentTarget.value })}
              placeholder="session"
            />
          </div>
          <div>
            <label for={`monitor-cookie-value-${index}`}>Cookie value</label>
            {isMasked(cookie.value) ? (
              <div class="check">
                <input id={`monitor-cookie-value-${index}`} class="mono" value={MASKED_VALUE} readOnly aria-describedby="monitor-cookies-hint" />
                <button type="button" class="secondary" onClick={() => update(index, { value: '' })}>
                  Replace
                </button>
              </div>
            ) : (
              <input
                id={`monitor-cookie-value-${index}`}
                type="password"
                autoComplete="off"
                class="mono"
                value={cookie.value}
                onInput={(event) => update(index, { value: event.currentTarget.value })}
              />
            )}
          </div>
          <button type="button" class="secondary" onClick={() => onChange(cookies.filter((_, at) => at !== index))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => onChange([...cookies, { name: '', value: '' }])}>
        Add a cookie
      </button>
      <FieldError id="monitor-cookies-error" message={props.error} />
    </fieldset>
  );
}

/**
 * Browser steps run in order before the page is read: how a page behind a sign-in form or a consent
 * banner is reached. Errors come from the gateway per step (`steps[2]`).
 */
export function StepsEditor(props: {
  steps: BrowserStep[];
  onChange: (steps: BrowserStep[]) => void;
  errors: Record<string, string | undefined>;
}) {
  const { steps, onChange } = props;
  const update = (index: number, change: Partial<BrowserStep>) =>
    onChange(steps.map((step, at) => (at === index ? { ...step, ...change } : step)));
  const move = (index: number, by: number) => {
    const target = index + by;
    if (target < 0 || target >= steps.length) return;
    const next = [...steps];
    [next[index], next[target]] = [next[target], next[index]];
    onChange(next);
  };
  return (
    <fieldset>
      <legend>Browser steps (optional)</legend>
      <p class="hint" id="monitor-steps-hint">
        For pages behind a sign-in or a consent banner: the page is rendered, these steps run in order, then the page is
        read. Text typed into fields is stored encrypted and never shown again. A step that fails is named in the check.
      </p>
      <ol class="steps">
        {steps.map((step, index) => {
          const kind = STEP_ACTIONS.find((candidate) => candidate.action === step.action) ?? STEP_ACTIONS[0];
          const error = props.errors[`steps[${index}]`];
          const errorId = `monitor-step-${index}-error`;
          return (
            <li key={index} data-testid="step-row">
              <div class="row">
                <div>
                  <label for={`monitor-step-action-${index}`}>Step {index + 1}</label>
                  <select
                    id={`monitor-step-action-${index}`}
                    value={step.action}
                    onChange={(event) => update(index, { action: event.currentTarget.value, value: '', selector: step.selector })}
                  >
                    {STEP_ACTIONS.map((choice) => (
                      <option key={choice.action} value={choice.action}>
                        {choice.label}
                      </option>
                    ))}
                  </select>
                </div>
                {kind.selector && (
                  <div>
                    <label for={`monitor-step-selector-${index}`}>Element (CSS selector)</label>
                    <input
                      id={`monitor-step-selector-${index}`}
                      class="mono"
                      value={step.selector ?? ''}
                      onInput={(event) => update(index, { selector: event.currentTarget.value })}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? errorId : undefined}
                      placeholder="#username"
                    />
                  </div>
                )}
                {kind.action === 'press' && (
                  <div>
                    <label for={`monitor-step-value-${index}`}>Key</label>
                    <select id={`monitor-step-value-${index}`} value={step.value ?? ''} onChange={(event) => update(index, { value: event.currentTarget.value })}>
                      <option value="">Choose a key</option>
                      {STEP_KEYS.map((key) => (
                        <option key={key} value={key}>
                          {key}
                        </option>
                      ))}
                    </select>
                  </div>
                )}
                {kind.action === 'goto' && (
                  <div>
                    <label for={`monitor-step-value-${index}`}>Address</label>
                    <input
                      id={`monitor-step-value-${index}`}
                      type="url"
                      value={step.value ?? ''}
                      onInput={(event) => update(index, { value: event.currentTarget.value })}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? errorId : undefined}
                      placeholder="https://example.com/account"
                    />
                  </div>
                )}
                {kind.action === 'fill' && (
                  <div>
                    <label for={`monitor-step-value-${index}`}>Text to type</label>
                    {isMasked(step.value ?? '') ? (
                      <div class="check">
                        <input id={`monitor-step-value-${index}`} class="mono" value={MASKED_VALUE} readOnly aria-describedby="monitor-steps-hint" />
                        <button type="button" class="secondary" onClick={() => update(index, { value: '' })}>
                          Replace
                        </button>
                      </div>
                    ) : (
                      <input
                        id={`monitor-step-value-${index}`}
                        type="password"
                        autoComplete="off"
                        value={step.value ?? ''}
                        onInput={(event) => update(index, { value: event.currentTarget.value })}
                      />
                    )}
                  </div>
                )}
                {kind.ms && (
                  <div>
                    <label for={`monitor-step-ms-${index}`}>Milliseconds</label>
                    <input
                      id={`monitor-step-ms-${index}`}
                      type="number"
                      min={0}
                      max={10000}
                      value={String(step.ms ?? 0)}
                      onInput={(event) => update(index, { ms: Number(event.currentTarget.value) })}
                    />
                  </div>
                )}
              </div>
              <div class="form-actions">
                <button type="button" class="secondary" onClick={() => move(index, -1)} disabled={index === 0} aria-label={`Move step ${index + 1} up`}>
                  Up
                </button>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => move(index, 1)}
                  disabled={index === steps.length - 1}
                  aria-label={`Move step ${index + 1} down`}
                >
                  Down
                </button>
                <button type="button" class="secondary" onClick={() => onChange(steps.filter((_, at) => at !== index))} aria-label={`Remove step ${index + 1}`}>
                  Remove
                </button>
              </div>
              <FieldError id={errorId} message={error} />
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        class="secondary"
        disabled={steps.length >= MAX_STEPS}
        onClick={() => onChange([...steps, { action: 'fill', selector: '', value: '' }])}
      >
        Add a step
      </button>
      <FieldError id="monitor-steps-error" message={props.errors.steps} />
    </fieldset>
  );
}
