import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/client';
import { listChannels } from '../api/channels';
import { listTags } from '../api/tags';
import { TagChip } from '../components/TagChip';
import { createMonitor, getMonitor, preview, updateMonitor } from '../api/monitors';
import type {
  BrowserStep,
  CookiePair,
  FailPolicy,
  FirstCheck,
  HeaderPair,
  Monitor,
  MonitorInput,
  Preview,
  ScreenshotSetting as Screenshot,
} from '../api/types';
import { HeaderFields } from '../components/HeaderFields';
import { CookieFields, StepsEditor, stepInput, WaitForField } from '../components/RenderFields';
import { NO_SELECTORS, SelectorPicker, selectorFields, selectorInput, type SelectorFields } from '../components/SelectorPicker';
import { ErrorMessage, FieldError, Loading } from '../components/states';
import { VerdictSettings } from '../components/VerdictSettings';
import { FailureAlertSetting } from '../components/FailureAlertSetting';
import { ScreenshotSetting } from '../components/ScreenshotSetting';
import { INTERVALS, intervalLabel, sentence } from '../lib/format';
import { href, navigate } from '../lib/router';
import { useAsync } from '../lib/useAsync';
import { checkHttpUrl, type Errors, hasErrors, MAX_CONDITION, type MonitorFields, validateMonitor } from '../lib/validation';
import { useSession } from '../session';

export const CONDITION_EXAMPLES = [
  'Tell me when the price drops below 100 EUR',
  'Any new job posting that mentions Rust',
  'When the page says the item is back in stock',
  'When a new version is released',
];

/** How long typing must pause before the preview fetches the page. */
export const PREVIEW_DEBOUNCE_MS = 800;

type FormState = MonitorFields &
  SelectorFields & { render: boolean; channel_ids: string[]; tag_ids: string[]; team_id: string; headers: HeaderPair[] } & {
    first_check: FirstCheck;
    fail_policy: FailPolicy;
    failure_alert_after: number;
  } & { wait_for: string; cookies: CookiePair[]; steps: BrowserStep[]; screenshot: Screenshot };

function fromMonitor(monitor: Monitor): FormState {
  return {
    name: monitor.name,
    url: monitor.url,
    ...selectorFields(monitor),
    condition: monitor.condition,
    interval_seconds: monitor.interval_seconds,
    render: monitor.render,
    channel_ids: monitor.channel_ids,
    tag_ids: (monitor.tags ?? []).map((tag) => tag.id),
    team_id: monitor.team_id,
    headers: monitor.headers,
    first_check: monitor.first_check ?? 'auto',
    fail_policy: monitor.fail_policy ?? 'hold',
    failure_alert_after: monitor.failure_alert_after ?? 3,
    wait_for: monitor.wait_for ?? '',
    cookies: monitor.cookies ?? [],
    steps: monitor.steps ?? [],
    screenshot: monitor.screenshot ?? 'never',
  };
}

export function MonitorForm({ id }: { id?: string }) {
  const existing = useAsync(() => (id ? getMonitor(id) : Promise.resolve(null)), [id]);
  if (existing.error) return <ErrorMessage error={existing.error} onRetry={() => void existing.reload()} />;
  if (existing.data === undefined) return <Loading label="Loading monitor…" />;
  return <MonitorFormLoaded monitor={existing.data} />;
}

function MonitorFormLoaded({ monitor }: { monitor: Monitor | null }) {
  const { me } = useSession();
  const personal = me.teams.find((team) => team.personal) ?? me.teams[0];
  const [form, setForm] = useState<FormState>(
    monitor
      ? fromMonitor(monitor)
      : {
          name: '',
          url: '',
          ...NO_SELECTORS,
          condition: '',
          interval_seconds: 3600,
          render: false,
          channel_ids: [],
          tag_ids: [],
          team_id: personal?.id ?? '',
          headers: [],
          first_check: 'auto',
          fail_policy: 'hold',
          failure_alert_after: 3,
          wait_for: '',
          cookies: [],
          steps: [],
          screenshot: 'never',
        },
  );
  const [errors, setErrors] = useState<Errors>({});
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const channels = useAsync(() => listChannels(), []);
  const tags = useAsync(() => listTags(), []);

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => update({ [key]: value } as Partial<FormState>);
  const update = (changes: Partial<FormState>) => {
    const next = { ...form, ...changes };
    setForm(next);
    // After a first attempt, errors follow the typing so they clear as soon as fixed.
    if (submitted) setErrors(validateMonitor(next));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setSubmitted(true);
    const found = validateMonitor(form);
    setErrors(found);
    setSaveError(null);
    if (hasErrors(found)) {
      const first = Object.keys(found)[0];
      document.getElementById(`monitor-${first}`)?.focus();
      return;
    }
    const input: MonitorInput = {
      name: form.name.trim(),
      url: form.url.trim(),
      ...selectorInput(form),
      condition: form.condition.trim(),
      interval_seconds: form.interval_seconds,
      render: form.render,
      channel_ids: form.channel_ids,
      tag_ids: form.tag_ids,
      headers: form.headers.filter((header) => header.name.trim()).map((header) => ({ ...header, name: header.name.trim() })),
      first_check: form.first_check,
      fail_policy: form.fail_policy,
      failure_alert_after: form.failure_alert_after,
      wait_for: form.wait_for.trim() || null,
      cookies: form.cookies.filter((cookie) => cookie.name.trim()).map((cookie) => ({ ...cookie, name: cookie.name.trim() })),
      steps: form.steps.map(stepInput),
      screenshot: form.screenshot,
    };
    setSaving(true);
    try {
      const saved = monitor
        ? await updateMonitor(monitor.id, input)
        : await createMonitor({ ...input, team_id: form.team_id || undefined });
      navigate(`/monitors/${saved.id}`);
    } catch (error) {
      setSaveError(error);
      if (error instanceof ApiError && error.fields.length > 0) {
        const fromServer: Errors = {};
        for (const problem of error.fields) fromServer[problem.field] = capital(problem.message);
        setErrors(fromServer);
      }
    } finally {
      setSaving(false);
    }
  };

  const describedBy = (field: string, hint?: boolean) =>
    [hint ? `monitor-${field}-hint` : '', errors[field] ? `monitor-${field}-error` : ''].filter(Boolean).join(' ') || undefined;

  const intervalChoices = INTERVALS.some((choice) => choice.seconds === form.interval_seconds)
    ? INTERVALS
    : [...INTERVALS, { seconds: form.interval_seconds, label: intervalLabel(form.interval_seconds) }];

  return (
    <section>
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href={href('/monitors')}>Monitors</a>
        {monitor && (
          <>
            {' / '}
            <a href={href(`/monitors/${monitor.id}`)}>{monitor.name}</a>
          </>
        )}
      </nav>
      <h1>{monitor ? 'Edit monitor' : 'New monitor'}</h1>
      <div class="form-layout">
        <form onSubmit={submit} noValidate class="card">
          {saveError !== null && !(saveError instanceof ApiError && saveError.fields.length > 0) && (
            <ErrorMessage error={saveError} />
          )}
          {saveError instanceof ApiError && saveError.fields.length > 0 && (
            <div class="notice error" role="alert">
              Lookout could not save this monitor: {saveError.message}
            </div>
          )}
          <label for="monitor-name">Name</label>
          <input
            id="monitor-name"
            value={form.name}
            maxLength={250}
            onInput={(event) => set('name', event.currentTarget.value)}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={describedBy('name')}
            placeholder="Rust jobs at Example Corp"
          />
          <FieldError id="monitor-name-error" message={errors.name} />

          <label for="monitor-url">Page address</label>
          <input
            id="monitor-url"
            type="url"
            inputMode="url"
            value={form.url}
            onInput={(event) => set('url', event.currentTarget.value)}
            aria-invalid={errors.url ? true : undefined}
            aria-describedby={describedBy('url')}
            placeholder="https://example.com/jobs"
          />
          <FieldError id="monitor-url-error" message={errors.url} />

          <SelectorPicker fields={selectorFields(form)} onChange={update} errors={errors} />

          <label for="monitor-condition">Alert me when…</label>
          <textarea
            id="monitor-condition"
            rows={3}
            value={form.condition}
            onInput={(event) => set('condition', event.currentTarget.value)}
            aria-invalid={errors.condition ? true : undefined}
            aria-describedby={describedBy('condition', true)}
            placeholder="Describe the change you care about, in your own words"
          />
          <p class="hint" id="monitor-condition-hint">
            Plain language. Leave empty to hear about any change. {[...form.condition].length}/{MAX_CONDITION}
          </p>
          <div class="chips" role="group" aria-label="Example conditions">
            {CONDITION_EXAMPLES.map((example) => (
              <button type="button" class="chip" key={example} onClick={() => set('condition', example)}>
                {example}
              </button>
            ))}
          </div>
          <FieldError id="monitor-condition-error" message={errors.condition} />

          <div class="row">
            <div>
              <label for="monitor-interval_seconds">How often</label>
              <select
                id="monitor-interval_seconds"
                value={String(form.interval_seconds)}
                onChange={(event) => set('interval_seconds', Number(event.currentTarget.value))}
                aria-describedby={describedBy('interval_seconds')}
              >
                {intervalChoices.map((choice) => (
                  <option key={choice.seconds} value={String(choice.seconds)}>
                    {choice.label}
                  </option>
                ))}
              </select>
              <FieldError id="monitor-interval_seconds-error" message={errors.interval_seconds} />
            </div>
            {!monitor && me.teams.length > 1 && (
              <div>
                <label for="monitor-team">Team</label>
                <select id="monitor-team" value={form.team_id} onChange={(event) => set('team_id', event.currentTarget.value)}>
                  {me.teams.map((team) => (
                    <option key={team.id} value={team.id}>
                      {team.personal ? `${team.name} (personal)` : team.name}
                    </option>
                  ))}
                </select>
              </div>
            )}
          </div>

          <fieldset>
            <legend>Send alerts to</legend>
            {channels.loading && !channels.data && <Loading label="Loading channels…" />}
            {channels.error !== undefined && <ErrorMessage error={channels.error} onRetry={() => void channels.reload()} />}
            {channels.data && channels.data.items.filter((channel) => channel.team_id === form.team_id || !form.team_id).length === 0 && (
              <p class="muted small">
                No channels yet. <a href={href('/channels')}>Add an email or webhook channel</a> to receive alerts.
              </p>
            )}
            {channels.data?.items
              .filter((channel) => channel.team_id === form.team_id || !form.team_id)
              .map((channel) => (
                <div class="check" key={channel.id}>
                  <input
                    type="checkbox"
                    id={`channel-${channel.id}`}
                    checked={form.channel_ids.includes(channel.id)}
                    onChange={(event) =>
                      set(
                        'channel_ids',
                        event.currentTarget.checked
                          ? [...form.channel_ids, channel.id]
                          : form.channel_ids.filter((value) => value !== channel.id),
                      )
                    }
                  />
                  <label for={`channel-${channel.id}`}>
                    {channel.name} <span class="muted small">({channel.kind}: {channel.target})</span>
                  </label>
                </div>
              ))}
            <FieldError id="monitor-channel_ids-error" message={errors.channel_ids} />
          </fieldset>

          {tags.data && tags.data.items.some((tag) => tag.team_id === form.team_id || !form.team_id) && (
            <fieldset>
              <legend>Tags</legend>
              <div class="inline-options">
                {tags.data.items
                  .filter((tag) => tag.team_id === form.team_id || !form.team_id)
                  .map((tag) => (
                    <div class="check" key={tag.id}>
                      <input
                        type="checkbox"
                        id={`tag-option-${tag.id}`}
                        checked={form.tag_ids.includes(tag.id)}
                        onChange={(event) =>
                          set('tag_ids', event.currentTarget.checked ? [...form.tag_ids, tag.id] : form.tag_ids.filter((value) => value !== tag.id))
                        }
                      />
                      <label for={`tag-option-${tag.id}`}>
                        <TagChip tag={tag} />
                      </label>
                    </div>
                  ))}
              </div>
              <FieldError id="monitor-tag_ids-error" message={errors.tag_ids} />
            </fieldset>
          )}

          <details>
            <summary>Advanced</summary>
            <div class="check">
              <input id="monitor-render" type="checkbox" checked={form.render} onChange={(event) => set('render', event.currentTarget.checked)} />
              <label for="monitor-render">Render with a browser (for pages built by JavaScript)</label>
            </div>
            <ScreenshotSetting value={form.screenshot} onChange={(value) => set('screenshot', value)} />
            {(form.render || form.steps.length > 0 || form.screenshot !== 'never') && (
              <WaitForField value={form.wait_for} onChange={(value) => set('wait_for', value)} error={errors.wait_for} />
            )}
            <HeaderFields headers={form.headers} onChange={(headers) => set('headers', headers)} error={errors.headers} />
            <CookieFields cookies={form.cookies} onChange={(cookies) => set('cookies', cookies)} error={errors.cookies} />
            <StepsEditor steps={form.steps} onChange={(steps) => set('steps', steps)} errors={errors} />
            <VerdictSettings
              firstCheck={form.first_check}
              onFirstCheck={(value) => set('first_check', value)}
              failPolicy={form.fail_policy}
              onFailPolicy={(value) => set('fail_policy', value)}
            />
            <FailureAlertSetting value={form.failure_alert_after} onChange={(value) => set('failure_alert_after', value)} />
          </details>

          <div class="form-actions">
            <button type="submit" disabled={saving}>
              {saving ? 'Saving…' : monitor ? 'Save changes' : 'Create monitor'}
            </button>
            <a class="button secondary" href={href(monitor ? `/monitors/${monitor.id}` : '/monitors')}>
              Cancel
            </a>
          </div>
        </form>
        <PreviewPanel
          url={form.url}
          selectors={selectorFields(form)}
          render={form.render}
          wait_for={form.wait_for}
          cookies={form.cookies}
          steps={form.steps}
          monitorId={monitor?.id}
        />
      </div>
    </section>
  );
}

function capital(text: string): string {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

type PreviewState =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; preview: Preview }
  | { state: 'failed'; error: unknown };

export function PreviewPanel(props: {
  url: string;
  selectors: SelectorFields;
  render: boolean;
  wait_for?: string;
  cookies?: CookiePair[];
  steps?: BrowserStep[];
  monitorId?: string;
}) {
  const [state, setState] = useState<PreviewState>({ state: 'idle' });
  const controller = useRef<AbortController | null>(null);
  const valid = !checkHttpUrl(props.url);
  // A string, so the effect below re-runs when a selector changes, not on every render.
  const selectors = JSON.stringify(selectorInput(props.selectors));
  // Render options as one string too; masked values stand for the stored ones of the monitor being edited.
  const renderOptions = JSON.stringify({
    wait_for: props.wait_for?.trim() || null,
    cookies: (props.cookies ?? []).filter((cookie) => cookie.name.trim()),
    steps: (props.steps ?? []).map(stepInput),
    monitor_id: props.monitorId,
  });

  useEffect(() => {
    if (!valid) {
      setState({ state: 'idle' });
      return;
    }
    const timer = window.setTimeout(async () => {
      controller.current?.abort();
      const mine = new AbortController();
      controller.current = mine;
      setState({ state: 'loading' });
      try {
        const result = await preview(
          {
            url: props.url.trim(),
            ...JSON.parse(selectors),
            ...JSON.parse(renderOptions),
            render: props.render,
          },
          mine.signal,
        );
        if (!mine.signal.aborted) setState({ state: 'done', preview: result });
      } catch (error) {
        if (!mine.signal.aborted) setState({ state: 'failed', error });
      }
    }, PREVIEW_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [props.url, selectors, renderOptions, props.render, valid]);

  useEffect(() => () => controller.current?.abort(), []);

  return (
    <aside class="card preview" aria-labelledby="preview-title" aria-busy={state.state === 'loading'}>
      <h2 id="preview-title">Preview</h2>
      {state.state === 'idle' && <p class="muted">Enter a page address to see the text Lookout will watch.</p>}
      {state.state === 'loading' && <Loading label="Fetching the page…" />}
      {state.state === 'failed' && <div class="notice error" role="alert">{describeError(state.error)}</div>}
      {state.state === 'done' && (
        <>
          <p class="small muted">
            {state.preview.http_status ? `HTTP ${state.preview.http_status} · ` : ''}
            {[...state.preview.text].length} characters{state.preview.truncated ? ' (shortened)' : ''}
          </p>
          {state.preview.outcome && state.preview.outcome !== 'ok' && (
            <div class="notice warn" role="status" data-testid="preview-outcome">
              <strong>{sentence(state.preview.outcome)}.</strong>{' '}
              {state.preview.failed_step ? `Step ${state.preview.failed_step} failed. ` : ''}
              {state.preview.detail ? capital(state.preview.detail) + '.' : ''} Checks with this result are not compared with the
              last text, so they never alert.
            </div>
          )}
          {state.preview.outcome && state.preview.outcome !== 'ok' ? null : state.preview.text.trim() ? (
            <pre class="preview-text" data-testid="preview-text">
              {state.preview.text}
            </pre>
          ) : (
            <p class="notice warn">The page (or the selected part) has no text. Check the selector.</p>
          )}
        </>
      )}
    </aside>
  );
}
