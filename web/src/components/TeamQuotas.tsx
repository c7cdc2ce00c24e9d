import { teamQuotas } from '../api/quotas';
import type { Quota, TeamQuotas as Quotas } from '../api/types';
import { useAsync } from '../lib/useAsync';
import { AsyncView } from './states';

/** Quota names in words, in the order the API lists them. */
export const QUOTA_WORDS: Record<string, string> = {
  monitors: 'Monitors',
  channels: 'Channels',
  api_keys: 'API keys (yours)',
  renders_per_hour: 'Renders this hour',
};

export const quotaWords = (name: string) => QUOTA_WORDS[name] ?? name;

/** "3 of 500", marked when the limit is reached. */
export function QuotaUse({ quota }: { quota: Quota }) {
  const full = quota.used >= quota.limit;
  return (
    <>
      {quota.used.toLocaleString()} of {quota.limit.toLocaleString()}
      {full && <span class="badge bad">limit reached</span>}
      {quota.overridden && <span class="badge muted">set by an administrator</span>}
    </>
  );
}

/** A team's quotas and what it uses of each. */
export function TeamQuotasSummary({ quotas }: { quotas: Quotas }) {
  return (
    <div class="team-quotas" data-testid="team-quotas">
      <h3>Quotas</h3>
      <dl class="facts">
        {quotas.quotas.map((quota) => (
          <>
            <dt key={`${quota.name}-name`}>{quotaWords(quota.name)}</dt>
            <dd key={`${quota.name}-use`}>
              <QuotaUse quota={quota} />
            </dd>
          </>
        ))}
      </dl>
      <p class="small muted">An administrator can raise a quota. Renders count checks and previews that run in the browser, per hour (UTC).</p>
    </div>
  );
}

/** Loads and shows one team's quotas. */
export function TeamQuotasPanel({ teamId }: { teamId: string }) {
  const state = useAsync(() => teamQuotas(teamId), [teamId]);
  return (
    <AsyncView state={state} label="Loading quotas…">
      {(quotas) => <TeamQuotasSummary quotas={quotas} />}
    </AsyncView>
  );
}
