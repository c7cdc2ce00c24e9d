import type { ScreenshotSetting as Setting } from '../api/types';

export const SCREENSHOT_CHOICES: { value: Setting; label: string }[] = [
  { value: 'never', label: 'Never' },
  { value: 'on_change', label: 'When the page changes (before and after)' },
  { value: 'every_check', label: 'At every check' },
];

/** When a check keeps a picture of the page; any choice but "never" renders it in a browser. */
export function ScreenshotSetting(props: { value: Setting; onChange: (value: Setting) => void }) {
  return (
    <>
      <label for="monitor-screenshot">Screenshots</label>
      <select
        id="monitor-screenshot"
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value as Setting)}
        aria-describedby="monitor-screenshot-hint"
      >
        {SCREENSHOT_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
      <p id="monitor-screenshot-hint" class="hint small muted">
        Screenshots render the page in a browser and show up in the check's history, the one before a change next to the
        one after it.
      </p>
    </>
  );
}
