import type { HeaderPair } from '../api/types';
import { FieldError } from './states';

/**
 * What the gateway answers instead of a stored header value (crates/gateway:
 * `monitor_headers::MASK`). Sending it back keeps the stored value; it is not a
 * valid header value, so it cannot be confused with a real one.
 */
export const MASKED_VALUE = '••••••••';

export const isMasked = (value: string) => value === MASKED_VALUE;

/**
 * Extra request headers of a monitor (cookies, tokens for the watched site).
 * Stored values are never shown again: they appear masked, stay unchanged
 * unless replaced, and a new value is typed in a password field.
 */
export function HeaderFields(props: { headers: HeaderPair[]; onChange: (headers: HeaderPair[]) => void; error?: string }) {
  const { headers, onChange } = props;
  const update = (index: number, change: Partial<HeaderPair>) =>
    onChange(headers.map((header, at) => (at === index ? { ...header, ...change } : header)));
  return (
    <fieldset>
      <legend>Request headers (optional)</legend>
      <p class="hint" id="monitor-headers-hint">
        For pages behind a sign-in: a cookie or token the page needs. Values are stored encrypted and never shown again;
        a saved value stays as it is until you replace it.
      </p>
      {headers.map((header, index) => (
        <div class="row" key={index} data-testid="header-row">
          <div>
            <label for={`monitor-header-name-${index}`}>Header name</label>
            <input
              id={`monitor-header-name-${index}`}
              class="mono"
              value={header.name}
              onInput={(event) => update(index, { name: event.currentTarget.value })}
              placeholder="Cookie"
            />
          </div>
          <div>
            <label for={`monitor-header-value-${index}`}>Value</label>
            {isMasked(header.value) ? (
              <div class="check">
                <input id={`monitor-header-value-${index}`} class="mono" value={MASKED_VALUE} readOnly aria-describedby="monitor-headers-hint" />
                <button type="button" class="secondary" onClick={() => update(index, { value: '' })}>
                  Replace
                </button>
              </div>
            ) : (
              <input
                id={`monitor-header-value-${index}`}
                type="password"
                autoComplete="off"
                class="mono"
                value={header.value}
                onInput={(event) => update(index, { value: event.currentTarget.value })}
              />
            )}
          </div>
          <button type="button" class="secondary" onClick={() => onChange(headers.filter((_, at) => at !== index))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => onChange([...headers, { name: '', value: '' }])}>
        Add a header
      </button>
      <FieldError id="monitor-headers-error" message={props.error} />
    </fieldset>
  );
}
