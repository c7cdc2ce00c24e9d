import type { FailPolicy, FirstCheck } from '../api/types';

export const FIRST_CHECK_CHOICES: { value: FirstCheck; label: string }[] = [
  { value: 'auto', label: 'Alert once if the condition is already true (not for "any change" or "new …" conditions)' },
  { value: 'alert', label: 'Alert if the condition holds on the first check, whatever it is about' },
  { value: 'baseline', label: 'Never alert on the first check: only record where the page stands' },
];

export const FAIL_POLICY_CHOICES: { value: FailPolicy; label: string }[] = [
  { value: 'hold', label: 'Wait and judge the change when the model answers again (tell me after a few)' },
  { value: 'alert_anyway', label: 'Alert anyway with what changed, marked "not judged"' },
  { value: 'notify_unjudged', label: 'Wait, and tell me at once that judging fails' },
];

/** The monitor settings that decide how verdicts turn into alerts. */
export function VerdictSettings(props: {
  firstCheck: FirstCheck;
  onFirstCheck: (value: FirstCheck) => void;
  failPolicy: FailPolicy;
  onFailPolicy: (value: FailPolicy) => void;
}) {
  return (
    <>
      <label for="monitor-first_check">On the first check</label>
      <select
        id="monitor-first_check"
        value={props.firstCheck}
        onChange={(event) => props.onFirstCheck(event.currentTarget.value as FirstCheck)}
        aria-describedby="monitor-first_check-hint"
      >
        {FIRST_CHECK_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
      <p id="monitor-first_check-hint" class="hint small muted">
        A condition about how the page is ("price below 100") can already be true when monitoring starts; a condition
        about something that happens ("a new job posting") needs a change first.
      </p>
      <label for="monitor-fail_policy">When the model cannot judge a change</label>
      <select
        id="monitor-fail_policy"
        value={props.failPolicy}
        onChange={(event) => props.onFailPolicy(event.currentTarget.value as FailPolicy)}
      >
        {FAIL_POLICY_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </>
  );
}
