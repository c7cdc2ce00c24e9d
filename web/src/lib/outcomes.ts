// Check statuses in plain words. The scheduler records one per check
// (crates/scheduler/src/domain.rs); every status other than `ok` means the
// page was not compared, so no change was judged and no alert was sent.

const WORDS: Record<string, string> = {
  ok: 'OK',
  http_error: 'The site answered with an error',
  blocked: 'Blocked by a bot check or captcha',
  page_gone: 'The page is gone',
  soft_not_found: 'The page says it no longer exists',
  selector_not_found: 'The selector no longer matches',
  empty: 'No text on the page',
  timeout: 'The page took too long',
  network_error: 'Could not reach the site',
  forbidden_destination: 'The address is not allowed',
  too_large: 'The page is too large',
  unsupported_content: 'Not a page Lookout can read',
  step_failed: 'A browser step failed',
  judge_unavailable: 'Could not judge the change',
  internal_error: 'Lookout had a problem',
  render_quota: 'Not checked: the team used its renders of this hour',
};

/** What a check status means, for a badge or a sentence; unknown codes are humanised. */
export function outcomeLabel(code: string): string | undefined {
  return WORDS[code];
}
