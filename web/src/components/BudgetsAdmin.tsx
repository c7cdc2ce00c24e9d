import { listBudgets, setBudget } from '../api/budgets';
import type { TeamBudget } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { LimitsForm } from './LimitsForm';
import { AsyncView, Empty } from './states';

function BudgetRow({ team, onSaved }: { team: TeamBudget; onSaved: () => void }) {
  const fields = [
    { name: 'monthly_tokens', label: 'Tokens', initial: team.budget?.monthly_tokens?.toString() ?? '' },
    { name: 'monthly_calls', label: 'Calls', initial: team.budget?.monthly_calls?.toString() ?? '' },
  ];
  const save = async (values: Record<string, number | null>) => {
    await setBudget(team.team_id, { monthly_tokens: values.monthly_tokens ?? null, monthly_calls: values.monthly_calls ?? null });
    onSaved();
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
        <LimitsForm id={`budget-${team.team_id}`} fields={fields} min={1} emptyMeans="no limit" placeholder="no limit" onSave={save} />
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
