// Names the browser and system in a User-Agent header, so people can tell
// their own devices apart. User agents claim to be other browsers for
// compatibility, so each list tries the more specific token first.

const BROWSERS: [RegExp, string][] = [
  [/\bcurl\//i, 'curl'],
  // Edge and Opera also say "Chrome" and "Safari".
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOPiOS\/|\bOpera\b/, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  // Chromium also says "Chrome".
  [/\bChromium\//, 'Chromium'],
  // No word boundary: headless Chrome says "HeadlessChrome/".
  [/Chrome\/|\bCriOS\//, 'Chrome'],
  // Every Chromium-based browser also says "Safari".
  [/\bSafari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string][] = [
  [/Windows/, 'Windows'],
  // iPhones and iPads say "like Mac OS X".
  [/iPhone|iPad|iPod/, 'iOS'],
  // Android says "Linux", ChromeOS says "X11".
  [/Android/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/Macintosh|Mac OS X/, 'macOS'],
  [/Linux|X11/, 'Linux'],
];

export interface UserAgent {
  browser: string;
  /** `null` when the header names no system, as curl's does not. */
  os: string | null;
}

export function parseUserAgent(header: string | null | undefined): UserAgent {
  const text = header ?? '';
  const find = (table: [RegExp, string][]) => table.find(([pattern]) => pattern.test(text))?.[1] ?? null;
  return { browser: find(BROWSERS) ?? 'Unknown browser', os: find(SYSTEMS) };
}

/** "Chrome on Linux", "curl", "Unknown browser". */
export function describeUserAgent(header: string | null | undefined): string {
  const { browser, os } = parseUserAgent(header);
  return os ? `${browser} on ${os}` : browser;
}
