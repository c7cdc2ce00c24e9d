import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { listBudgets, setBudget } from '../api/budgets';
import type { TeamBudget } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { AsyncView, Empty, ErrorMessage, FieldError } from './states';

/** The text of a limit field as a number, `null` for empty, or a problem. */
function parseLimit(text: string): { value: number | null; problem?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  if (!Number.isInteger(value) || value < 1) return { value: null, problem: 'A whole number from 1, or empty for no limit' };
  return { value };
}

function BudgetRow({ team, onSaved }: { team: TeamBudget; onSaved: () => void }) {
  const [tokens, setTokens] = useState(team.budget?.monthly_tokens?.toString() ?? '');
  const [calls, setCalls] = useState(team.budget?.monthly_calls?.toString() ?? '');
  const [problems, setProblems] = useState<{ tokens?: string; calls?: string }>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const id = `budget-${team.team_id}`;

  const save = async (event: Event) => {
    event.preventDefault();
    const parsedTokens = parseLimit(tokens);
    const parsedCalls = parseLimit(calls);
    setProblems({ tokens: parsedTokens.problem, calls: parsedCalls.problem });
    setError(null);
    setSaved(false);
    if (parsedTokens.problem || parsedCalls.problem) return;
    try {
      await setBudget(team.team_id, { monthly_tokens: parsedTokens.value, monthly_calls: parsedCalls.value });
      setSaved(true);
      onSaved();
    } catch (caught) {
      setError(caught);
      if (caught instanceof ApiError) setProblems({ tokens: caught.fieldMessage('monthly_tokens'), calls: caught.fieldMessage('monthly_calls') });
    }
  };

  return (
    <tr>
      <td data-label="Team">
        {team.team_name} {team.personal && <span class="badge muted">personal</span>}
        {team.over_budget && <span class="badge bad">over budget</span>}
      </td>
      <td data-label="Used this month">
        {team.used.tokens.toLocaleString()} tokens · {team.used.calls.toLocaleString()} calls
      </td>
      <td data-label="Monthly budget">
        <form class="inline-form" onSubmit={save} noValidate>
          {error !== null && !problems.tokens && !problems.calls && <ErrorMessage error={error} />}
          <div class="row">
            <div>
              <label for={`${id}-tokens`}>Tokens</label>
              <input
                id={`${id}-tokens`}
                inputMode="numeric"
                value={tokens}
                placeholder="no limit"
                onInput={(event) => setTokens(event.currentTarget.value)}
                aria-invalid={problems.tokens ? true : undefined}
                aria-describedby={problems.tokens ? `${id}-tokens-error` : undefined}
              />
              <FieldError id={`${id}-tokens-error`} message={problems.tokens} />
            </div>
            <div>
              <label for={`${id}-calls`}>Calls</label>
              <input
                id={`${id}-calls`}
                inputMode="numeric"
                value={calls}
                placeholder="no limit"
                onInput={(event) => setCalls(event.currentTarget.value)}
                aria-invalid={problems.calls ? true : undefined}
                aria-describedby={problems.calls ? `${id}-calls-error` : undefined}
              />
              <FieldError id={`${id}-calls-error`} message={problems.calls} />
            </div>
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

/** Every team's monthly model budget and this month's use; administrators set the budgets here. */
export function BudgetsAdmin() {
  const state = useAsync(() => listBudgets(), []);
  return (
    <>
      <h2>Model budgets</h2>
      <p class="muted small">
        Monthly limits per team, counted from the first of each month (UTC). Empty means no limit. A team over its budget has its changes handled by each
        monitor's "when the model cannot judge" setting, recorded as over budget.
      </p>
      <AsyncView state={state} label="Loading budgets…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No teams yet" />
          ) : (
            <table class="responsive" data-testid="budgets">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Used this month</th>
                  <th scope="col">Monthly budget</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((team) => (
                  <BudgetRow key={team.team_id} team={team} onSaved={() => void state.reload()} />
                ))}
              </tbody>
            </table>
          )
        }
      </AsyncView>
    </>
  );
}
