import type { Check } from '../api/types';

const UNJUDGED: Record<NonNullable<Check['unjudged_reason']>, string> = {
  model_unavailable: 'the model was unavailable',
  timeout: 'the model did not answer in time',
  rate_limited: 'the model was rate limited',
  invalid_answer: "the model's answers were not valid verdicts",
  over_budget: "the team's monthly model budget is used up, so the change was not sent to the model",
};

/** How the judge read the condition, the evidence it quoted and whether it held, and the cost. */
export function VerdictDetails({ check }: { check: Check }) {
  const tokens = (check.prompt_tokens ?? 0) + (check.completion_tokens ?? 0);
  return (
    <>
      {check.unjudged_reason && (
        <>
          <dt>Not judged</dt>
          <dd class="warning" data-testid="unjudged">
            {check.triggered ? 'Alerted without a verdict: ' : 'Kept to judge later: '}
            {UNJUDGED[check.unjudged_reason]}
            {check.unjudged_notice ? ' · the owner was told' : ''}
          </dd>
        </>
      )}
      {check.first_alert && (
        <>
          <dt>First check</dt>
          <dd>Already true when monitoring started</dd>
        </>
      )}
      {check.condition_kind && (
        <>
          <dt>Condition</dt>
          <dd>
            {check.condition_kind === 'state' ? 'A state of the page' : 'Something that happens'}
            {check.condition_kind === 'state' && check.condition_holds !== null && (check.condition_holds ? ' · true now' : ' · not true now')}
          </dd>
        </>
      )}
      {check.evidence_excerpt && (
        <>
          <dt>Evidence</dt>
          <dd>
            <q class="mono">{check.evidence_excerpt}</q>
          </dd>
        </>
      )}
      {check.verification === 'verified' && (
        <>
          <dt>Evidence check</dt>
          <dd>Found on the page</dd>
        </>
      )}
      {check.verification === 'unverified' && (
        <>
          <dt>Evidence check</dt>
          <dd class="warning" data-testid="unverified">
            Not verified, so no alert{check.verification_problem ? `: ${check.verification_problem}` : ''}
          </dd>
        </>
      )}
      {(tokens > 0 || check.judge_cached) && (
        <>
          <dt>Model cost</dt>
          <dd>
            {check.judge_cached
              ? 'Answered from the verdict cache (no model call)'
              : `${check.prompt_tokens ?? 0} input + ${check.completion_tokens ?? 0} output tokens`}
          </dd>
        </>
      )}
    </>
  );
}
