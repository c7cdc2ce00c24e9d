import { useState } from 'preact/hooks';
import type { Check } from '../api/types';

/**
 * A check's screenshot next to the one kept before it: the page before and after a change.
 * The images come from the API with the session cookie, like every other call.
 */
export function ScreenshotCompare({ check }: { check: Check }) {
  const [mode, setMode] = useState<'side' | 'after'>('side');
  const after = check.screenshot_url;
  if (!after) return null;
  const before = check.previous_screenshot_url;
  const showBefore = before && mode === 'side';
  return (
    <section class="card screenshots" aria-labelledby="screenshots-title">
      <div class="diff-toolbar">
        <h2 id="screenshots-title">{before ? 'Before and after' : 'Screenshot'}</h2>
        {before && (
          <div class="button-row" role="group" aria-label="Screenshot view">
            <button type="button" class="secondary" aria-pressed={mode === 'side'} onClick={() => setMode('side')}>
              Side by side
            </button>
            <button type="button" class="secondary" aria-pressed={mode === 'after'} onClick={() => setMode('after')}>
              This check only
            </button>
          </div>
        )}
      </div>
      <div class={showBefore ? 'screenshot-pair' : 'screenshot-single'}>
        {showBefore && (
          <figure>
            <a href={before} target="_blank" rel="noreferrer noopener">
              <img src={before} alt="The page at the check before" loading="lazy" />
            </a>
            <figcaption>Before</figcaption>
          </figure>
        )}
        <figure>
          <a href={after} target="_blank" rel="noreferrer noopener">
            <img src={after} alt="The page at this check" loading="lazy" />
          </a>
          <figcaption>{before ? 'After (this check)' : 'This check'}</figcaption>
        </figure>
      </div>
    </section>
  );
}
