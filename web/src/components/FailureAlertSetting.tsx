/** Failed checks in a row before one "failing" alert; 0 never alerts. */
export const FAILURE_ALERT_CHOICES: { value: number; label: string }[] = [
  { value: 1, label: 'At the first failed check' },
  { value: 2, label: 'After 2 failed checks in a row' },
  { value: 3, label: 'After 3 failed checks in a row' },
  { value: 5, label: 'After 5 failed checks in a row' },
  { value: 10, label: 'After 10 failed checks in a row' },
  { value: 0, label: 'Never' },
];

/** When the monitor's channels hear that its page cannot be checked any more. */
export function FailureAlertSetting(props: { value: number; onChange: (value: number) => void }) {
  const choices = FAILURE_ALERT_CHOICES.some((choice) => choice.value === props.value)
    ? FAILURE_ALERT_CHOICES
    : [...FAILURE_ALERT_CHOICES, { value: props.value, label: `After ${props.value} failed checks in a row` }];
  return (
    <>
      <label for="monitor-failure_alert_after">Alert when the page cannot be checked</label>
      <select
        id="monitor-failure_alert_after"
        value={String(props.value)}
        onChange={(event) => props.onChange(Number(event.currentTarget.value))}
        aria-describedby="monitor-failure_alert_after-hint"
      >
        {choices.map((choice) => (
          <option key={choice.value} value={String(choice.value)}>
            {choice.label}
          </option>
        ))}
      </select>
      <p id="monitor-failure_alert_after-hint" class="hint small muted">
        One "failing" alert says why (page gone, blocked by a bot wall, selector no longer matches, timeout, DNS, TLS),
        and one "recovered" alert follows when a check works again. Lookout's own outages never count.
      </p>
    </>
  );
}
