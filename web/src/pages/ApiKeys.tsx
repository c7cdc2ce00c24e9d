import { useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/client';
import { createApiKey, listApiKeys, revokeApiKey } from '../api/auth';
import type { ApiKey, CreatedApiKey } from '../api/types';
import { SecretOnce } from '../components/SecretOnce';
import { AsyncView, Empty, ErrorMessage, FieldError } from '../components/states';
import { absoluteTime, relativeTime } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { checkName, type Errors, hasErrors, prune } from '../lib/validation';

export function validateApiKey(name: string, scopes: string[], expires: string, today: string): Errors {
  return prune({
    name: checkName(name),
    scopes: scopes.length === 0 ? 'Choose at least one scope.' : undefined,
    expires: expires && expires <= today ? 'Choose a date after today.' : undefined,
  });
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function ApiKeys() {
  const state = useAsync(() => listApiKeys(), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [expires, setExpires] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const today = isoDate(new Date());

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = validateApiKey(name, scopes, expires, today);
    setErrors(found);
    setSaveError(null);
    if (hasErrors(found)) return;
    setSaving(true);
    try {
      const key = await createApiKey({
        name: name.trim(),
        scopes,
        // End of the chosen day, in the person's time zone.
        expires_at: expires ? new Date(`${expires}T23:59:59`).toISOString() : null,
      });
      setCreated(key);
      setName('');
      setExpires('');
      state.setData((page) => ({ ...page, items: [key, ...(page?.items ?? [])] }));
    } catch (error) {
      setSaveError(error);
      if (error instanceof ApiError) {
        setErrors(prune({ name: error.fieldMessage('name'), scopes: error.fieldMessage('scopes'), expires: error.fieldMessage('expires_at') }));
      }
    } finally {
      setSaving(false);
    }
  };

  const revoke = async (key: ApiKey) => {
    if (!window.confirm(`Revoke “${key.name}”? Scripts using it stop working at once.`)) return;
    setRowError(null);
    try {
      await revokeApiKey(key.id);
      state.setData((page) => ({ ...page!, items: page!.items.filter((item) => item.id !== key.id) }));
    } catch (error) {
      setRowError(`Could not revoke “${key.name}”: ${describeError(error)}`);
    }
  };

  const toggleScope = (scope: string, on: boolean) =>
    setScopes(on ? [...new Set([...scopes, scope])] : scopes.filter((value) => value !== scope));

  return (
    <section>
      <h1>API keys</h1>
      <p class="muted">
        For scripts and the command line: send <code>Authorization: Bearer &lt;key&gt;</code> or <code>X-API-Key: &lt;key&gt;</code> (one of them, or both with the same key). A <em>read</em> key can only look.
      </p>
      {created && <SecretOnce label={`API key ${created.name}`} value={created.key} onDone={() => setCreated(null)} />}
      {rowError && (
        <div class="notice error" role="alert">
          {rowError}
        </div>
      )}
      <AsyncView state={state} label="Loading API keys…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No API keys">
              <p>Create one below when a script needs to talk to Lookout.</p>
            </Empty>
          ) : (
            <table class="responsive">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((key) => (
                  <tr key={key.id} data-testid="api-key-row">
                    <td data-label="Name" class="strong">
                      {key.name}
                    </td>
                    <td data-label="Key" class="mono">
                      {key.prefix}…
                    </td>
                    <td data-label="Scopes">{key.scopes.join(', ')}</td>
                    <td data-label="Last used">{key.last_used_at ? relativeTime(key.last_used_at) : 'never'}</td>
                    <td data-label="Expires" title={absoluteTime(key.expires_at)}>
                      {key.expires_at ? relativeTime(key.expires_at) : 'never'}
                    </td>
                    <td class="actions">
                      <button type="button" class="danger small-button" onClick={() => revoke(key)} aria-label={`Revoke ${key.name}`}>
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </AsyncView>
      <form class="card" onSubmit={submit} noValidate>
        <h2>Create a key</h2>
        {saveError !== null && <ErrorMessage error={saveError} />}
        <label for="key-name">Name</label>
        <input
          id="key-name"
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={errors.name ? 'key-name-error' : undefined}
          placeholder="Deploy pipeline"
        />
        <FieldError id="key-name-error" message={errors.name} />
        <fieldset class="inline-options">
          <legend>Scopes</legend>
          {['read', 'write'].map((scope) => (
            <div class="check" key={scope}>
              <input
                type="checkbox"
                id={`scope-${scope}`}
                checked={scopes.includes(scope)}
                onChange={(event) => toggleScope(scope, event.currentTarget.checked)}
              />
              <label for={`scope-${scope}`}>{scope}</label>
            </div>
          ))}
        </fieldset>
        <FieldError id="key-scopes-error" message={errors.scopes} />
        <label for="key-expires">Expires on (optional)</label>
        <input
          id="key-expires"
          type="date"
          min={today}
          value={expires}
          onInput={(event) => setExpires(event.currentTarget.value)}
          aria-invalid={errors.expires ? true : undefined}
          aria-describedby={errors.expires ? 'key-expires-error' : undefined}
        />
        <FieldError id="key-expires-error" message={errors.expires} />
        <div class="form-actions">
          <button type="submit" disabled={saving}>
            {saving ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </section>
  );
}
