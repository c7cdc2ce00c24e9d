import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { listQuotas, setQuotas } from '../api/quotas';
import type { QuotaOverrides, TeamQuotas } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { AsyncView, Empty, ErrorMessage, FieldError } from './states';
import { QuotaUse, quotaWords } from './TeamQuotas';

type Name = keyof QuotaOverrides;
const NAMES: Name[] = ['monitors', 'channels', 'api_keys', 'renders_per_hour'];

/** The text of a quota field as a number, `null` for empty (the default), or a problem. */
function parseQuota(text: string): { value: number | null; problem?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  if (!Number.isInteger(value) || value < 0) return { value: null, problem: 'A whole number from 0, or empty for the default' };
  return { value };
}

function QuotaRow({ team, onSaved }: { team: TeamQuotas; onSaved: () => void }) {
  const initial = (name: Name) => {
    const quota = team.quotas.find((item) => item.name === name);
    return quota?.overridden ? quota.limit.toString() : '';
  };
  const [texts, setTexts] = useState<Record<Name, string>>({
    monitors: initial('monitors'),
    channels: initial('channels'),
    api_keys: initial('api_keys'),
    renders_per_hour: initial('renders_per_hour'),
  });
  const [problems, setProblems] = useState<Partial<Record<Name, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const id = `quotas-${team.team_id}`;
  const shown = NAMES.filter((name) => team.quotas.some((quota) => quota.name === name));

  const save = async (event: Event) => {
    event.preventDefault();
    const parsed = Object.fromEntries(NAMES.map((name) => [name, parseQuota(texts[name])])) as Record<Name, { value: number | null; problem?: string }>;
    const found = Object.fromEntries(NAMES.map((name) => [name, parsed[name].problem])) as Partial<Record<Name, string>>;
    setProblems(found);
    setError(null);
    setSaved(false);
    if (NAMES.some((name) => found[name])) return;
    try {
      await setQuotas(team.team_id, {
        monitors: parsed.monitors.value,
        channels: parsed.channels.value,
        api_keys: parsed.api_keys.value,
        renders_per_hour: parsed.renders_per_hour.value,
      });
      setSaved(true);
      onSaved();
    } catch (caught) {
      setError(caught);
      if (caught instanceof ApiError) setProblems(Object.fromEntries(NAMES.map((name) => [name, caught.fieldMessage(name)])));
    }
  };

  return (
    <tr>
      <td data-label="Team">
        {team.team_name} {team.personal && <span class="badge muted">personal</span>}
      </td>
      <td data-label="Use">
        <ul class="quota-list">
          {team.quotas.map((quota) => (
            <li key={quota.name}>
              {quotaWords(quota.name)}: <QuotaUse quota={quota} />
            </li>
          ))}
        </ul>
      </td>
      <td data-label="Team's own limits">
        <form class="inline-form" onSubmit={save} noValidate>
          {error !== null && NAMES.every((name) => !problems[name]) && <ErrorMessage error={error} />}
          <div class="row">
            {shown.map((name) => (
              <div key={name}>
                <label for={`${id}-${name}`}>{quotaWords(name)}</label>
                <input
                  id={`${id}-${name}`}
                  inputMode="numeric"
                  value={texts[name]}
                  placeholder="default"
                  onInput={(event) => setTexts({ ...texts, [name]: event.currentTarget.value })}
                  aria-invalid={problems[name] ? true : undefined}
                  aria-describedby={problems[name] ? `${id}-${name}-error` : undefined}
                />
                <FieldError id={`${id}-${name}-error`} message={problems[name]} />
              </div>
            ))}
            <div class="align-end">
              <button type="submit" class="small-button">
                Save
              </button>
              {saved && (
                <span class="small muted" role="status">
                  {' '}
                  Saved
                </span>
              )}
            </div>
          </div>
        </form>
      </td>
    </tr>
  );
}

/** Every team's quotas and use; administrators change a team's limits here. */
export function QuotasAdmin() {
  const state = useAsync(() => listQuotas(), []);
  return (
    <>
      <h2>Quotas</h2>
      <p class="muted small">
        Limits per team on monitors, channels, API keys (a person's, on their personal team) and browser renders per hour. Empty keeps the deployment's default;
        0 allows none. Lowering a limit removes nothing, it only refuses new ones.
      </p>
      <AsyncView state={state} label="Loading quotas…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No teams yet" />
          ) : (
            <table class="responsive" data-testid="quotas">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Use</th>
                  <th scope="col">Team's own limits</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((team) => (
                  <QuotaRow key={team.team_id} team={team} onSaved={() => void state.reload()} />
                ))}
              </tbody>
            </table>
          )
        }
      </AsyncView>
    </>
  );
}
