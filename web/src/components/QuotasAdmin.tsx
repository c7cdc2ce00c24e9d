import { listQuotas, setQuotas } from '../api/quotas';
import type { QuotaOverrides, TeamQuotas } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { LimitsForm } from './LimitsForm';
import { AsyncView, Empty } from './states';
import { QuotaUse, quotaWords } from './TeamQuotas';

type Name = keyof QuotaOverrides;
const NAMES: Name[] = ['monitors', 'channels', 'api_keys', 'renders_per_hour'];

function QuotaRow({ team, onSaved }: { team: TeamQuotas; onSaved: () => void }) {
  const initial = (name: Name) => {
    const quota = team.quotas.find((item) => item.name === name);
    return quota?.overridden ? quota.limit.toString() : '';
  };
  const fields = NAMES.filter((name) => team.quotas.some((quota) => quota.name === name)).map((name) => ({
    name,
    label: quotaWords(name),
    initial: initial(name),
  }));
  const save = async (values: Record<string, number | null>) => {
    await setQuotas(team.team_id, {
      monitors: values.monitors ?? null,
      channels: values.channels ?? null,
      api_keys: values.api_keys ?? null,
      renders_per_hour: values.renders_per_hour ?? null,
    });
    onSaved();
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
        <LimitsForm id={`quotas-${team.team_id}`} fields={fields} min={0} emptyMeans="the default" placeholder="default" onSave={save} />
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
