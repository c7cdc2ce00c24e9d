// The gateway's field rules, checked before sending so people see problems
// next to the field at once. The gateway stays the authority: its messages
// are shown too when it disagrees.

export type Errors<K extends string = string> = Partial<Record<K, string>>;

export const MIN_INTERVAL_SECONDS = 60;
export const MAX_INTERVAL_SECONDS = 30 * 24 * 3600;
export const MAX_NAME = 200;
export const MAX_CONDITION = 2000;
export const MAX_SELECTOR = 500;

export function checkName(name: string): string | undefined {
  const length = [...name.trim()].length;
  if (length === 0) return 'Give it a name.';
  if (length > MAX_NAME) return `Use at most ${MAX_NAME} characters (now ${length}).`;
  return undefined;
}

export function checkHttpUrl(value: string): string | undefined {
  const text = value.trim();
  if (!text) return 'Enter the address of the page.';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Enter a full address, starting with http:// or https://.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Only http:// and https:// addresses can be watched.';
  if (!url.hostname) return 'The address needs a host name.';
  if (url.username || url.password) return 'Leave user names and passwords out of the address.';
  return undefined;
}

export interface MonitorFields {
  name: string;
  url: string;
  css_selector: string;
  json_pointer: string;
  condition: string;
  interval_seconds: number;
}

export function validateMonitor(fields: MonitorFields): Errors<keyof MonitorFields> {
  const errors: Errors<keyof MonitorFields> = {};
  errors.name = checkName(fields.name);
  errors.url = checkHttpUrl(fields.url);
  if ([...fields.css_selector.trim()].length > MAX_SELECTOR) errors.css_selector = `Use at most ${MAX_SELECTOR} characters.`;
  if (fields.json_pointer && !fields.json_pointer.startsWith('/')) {
    errors.json_pointer = "A JSON pointer starts with '/', e.g. /data/price.";
  }
  const conditionLength = [...fields.condition.trim()].length;
  if (conditionLength > MAX_CONDITION) {
    errors.condition = `Use at most ${MAX_CONDITION} characters (now ${conditionLength}).`;
  }
  if (!Number.isInteger(fields.interval_seconds) || fields.interval_seconds < MIN_INTERVAL_SECONDS) {
    errors.interval_seconds = `Check at most once a minute (${MIN_INTERVAL_SECONDS} s or more).`;
  } else if (fields.interval_seconds > MAX_INTERVAL_SECONDS) {
    errors.interval_seconds = 'Check at least once every 30 days.';
  }
  return prune(errors);
}

// Deliberately simpler than the gateway's rule; it catches typos, the gateway catches the rest.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export function checkEmail(value: string): string | undefined {
  const text = value.trim();
  if (!text) return 'Enter an email address.';
  if (!EMAIL.test(text) || text.length > 254) return 'Enter an address like name@example.com.';
  return undefined;
}

export function prune<T extends Record<string, string | undefined>>(errors: T): T {
  for (const key of Object.keys(errors)) if (errors[key] === undefined) delete errors[key];
  return errors;
}

export function hasErrors(errors: Errors): boolean {
  return Object.values(errors).some(Boolean);
}
