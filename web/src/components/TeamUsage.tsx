import { teamUsage } from '../api/budgets';
import type { TeamUsage as Usage } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { AsyncView } from './states';

const count = (value: number) => value.toLocaleString();

/** "1,050 of 1,000 tokens" or "1,050 tokens (no limit)". */
function against(used: number, limit: number | null | undefined, unit: string): string {
  return limit == null ? `${count(used)} ${unit} (no limit)` : `${count(used)} of ${count(limit)} ${unit}`;
}

function monthName(month: string): string {
  return new Date(`${month}T00:00:00Z`).toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** A team's model budget and this month's use, in total and per monitor. */
export function TeamUsageSummary({ usage }: { usage: Usage }) {
  const budget = usage.budget ?? null;
  return (
    <div class="team-usage" data-testid="team-usage">
      <h3>Model use in {monthName(usage.month)}</h3>
      {usage.over_budget && (
        <p class="notice error" role="status">
          The monthly budget is used up: changes are not sent to the model until next month or until an administrator raises the budget. Each monitor's
          "when the model cannot judge" setting applies.
        </p>
      )}
      <dl class="facts">
        <dt>Tokens</dt>
        <dd>{against(usage.used.tokens, budget?.monthly_tokens, 'tokens')}</dd>
        <dt>Model calls</dt>
        <dd>{against(usage.used.calls, budget?.monthly_calls, 'calls')}</dd>
      </dl>
      {!budget && <p class="small muted">This team has no monthly budget; administrators can set one.</p>}
      {usage.monitors.length > 0 && (
        <table class="responsive">
          <thead>
            <tr>
              <th scope="col">Monitor</th>
              <th scope="col">Tokens</th>
              <th scope="col">Calls</th>
            </tr>
          </thead>
          <tbody>
            {usage.monitors.map((monitor) => (
              <tr key={monitor.monitor_id}>
                <td data-label="Monitor">{monitor.monitor_name ?? <span class="muted">deleted monitor</span>}</td>
                <td data-label="Tokens">{count(monitor.tokens)}</td>
                <td data-label="Calls">{count(monitor.calls)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Loads and shows one team's budget and use. */
export function TeamUsagePanel({ teamId }: { teamId: string }) {
  const state = useAsync(() => teamUsage(teamId), [teamId]);
  return (
    <AsyncView state={state} label="Loading model use…">
      {(usage) => <TeamUsageSummary usage={usage} />}
    </AsyncView>
  );
}

/** One monitor's share of its team's month, for the monitor page. */
export function MonitorUsageLine({ teamId, monitorId }: { teamId: string; monitorId: string }) {
  const state = useAsync(() => teamUsage(teamId), [teamId]);
  const usage = state.data;
  if (!usage) return null;
  const mine = usage.monitors.find((monitor) => monitor.monitor_id === monitorId);
  return (
    <p class="small muted" data-testid="monitor-usage">
      Model use in {monthName(usage.month)}: {count(mine?.tokens ?? 0)} tokens in {count(mine?.calls ?? 0)} calls
      {usage.over_budget ? ' · the team is over its monthly budget, so changes are not sent to the model' : ''}
    </p>
  );
}
