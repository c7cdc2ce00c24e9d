import type { ScreenshotSetting as Setting } from '../api/types';
import { ChoiceField, type Choice } from './ChoiceField';

export const SCREENSHOT_CHOICES: Choice<Setting>[] = [
  { value: 'never', label: 'Never' },
  { value: 'on_change', label: 'When the page changes (before and after)' },
  { value: 'every_check', label: 'At every check' },
];

/** When a check keeps a picture of the page; any choice but "never" renders it in a browser. */
export function ScreenshotSetting(props: { value: Setting; onChange: (value: Setting) => void }) {
  return (
    <ChoiceField
      id="monitor-screenshot"
      label="Screenshots"
      value={props.value}
      choices={SCREENSHOT_CHOICES}
      onChange={props.onChange}
      hint="Screenshots render the page in a browser and show up in the check's history, the one before a change next to the one after it."
    />
  );
}
