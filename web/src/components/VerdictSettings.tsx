import type { FailPolicy, FirstCheck } from '../api/types';
import { ChoiceField, type Choice } from './ChoiceField';

export const FIRST_CHECK_CHOICES: Choice<FirstCheck>[] = [
  { value: 'auto', label: 'Alert once if the condition is already true (not for "any change" or "new …" conditions)' },
  { value: 'alert', label: 'Alert if the condition holds on the first check, whatever it is about' },
  { value: 'baseline', label: 'Never alert on the first check: only record where the page stands' },
];

export const FAIL_POLICY_CHOICES: Choice<FailPolicy>[] = [
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
      <ChoiceField
        id="monitor-first_check"
        label="On the first check"
        value={props.firstCheck}
        choices={FIRST_CHECK_CHOICES}
        onChange={props.onFirstCheck}
        hint={
          'A condition about how the page is ("price below 100") can already be true when monitoring starts; a condition ' +
          'about something that happens ("a new job posting") needs a change first.'
        }
      />
      <ChoiceField
        id="monitor-fail_policy"
        label="When the model cannot judge a change"
        value={props.failPolicy}
        choices={FAIL_POLICY_CHOICES}
        onChange={props.onFailPolicy}
      />
    </>
  );
}
