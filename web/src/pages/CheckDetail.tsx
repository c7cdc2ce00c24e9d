import { useEffect } from 'preact/hooks';
import { getCheck, getMonitor } from '../api/monitors';
import { ScreenshotCompare } from '../components/ScreenshotCompare';
import { StatusBadge } from '../components/StatusBadge';
import { AsyncView } from '../components/states';
import { entryText } from '../lib/checkRuns';
import { absoluteTime } from '../lib/format';
import { href } from '../lib/router';
import { useAsync } from '../lib/useAsync';
import { useDocumentTitle } from '../lib/title';
import { CheckFacts, verdictOf } from './MonitorDetail';

/** The id of the diff on this page: alerts link to `…/checks/{id}#diff`. */
export const DIFF_ANCHOR = 'diff';

/** One check on its own page: where every alert's "view this check" and "see the change" links go. */
export function CheckDetail({ monitorId, checkId }: { monitorId: string; checkId: string }) {
  const monitor = useAsync(() => getMonitor(monitorId), [monitorId]);
  const check = useAsync(() => getCheck(monitorId, checkId), [monitorId, checkId]);
  const monitorName = monitor.data?.name;
  useDocumentTitle(monitorName ? `Check of ${monitorName}` : 'Check');

  // The browser looked for #diff before the check was loaded; go there now.
  const loaded = check.data !== undefined;
  useEffect(() => {
    if (!loaded || location.hash !== `#${DIFF_ANCHOR}`) return;
    // Focusing scrolls it into view and moves screen readers there too.
    document.getElementById(DIFF_ANCHOR)?.focus();
  }, [loaded]);

  return (
    <section>
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href={href('/monitors')}>Monitors</a>
        {' › '}
        <a href={href(`/monitors/${encodeURIComponent(monitorId)}`)}>{monitorName ?? 'Monitor'}</a>
      </nav>
      <AsyncView state={check} label="Loading check…">
        {(current) => {
          const verdict = verdictOf(current);
          return (
            <>
              <div class="page-head">
                <div>
                  <h1>{monitorName ? `Check of ${monitorName}` : 'Check'}</h1>
                  <p class="muted small">
                    <time dateTime={current.started_at}>{absoluteTime(current.started_at)}</time>
                  </p>
                </div>
                <div class="button-row">
                  <a class="button secondary" href={href(`/monitors/${encodeURIComponent(monitorId)}`)}>
                    All checks of this monitor
                  </a>
                </div>
              </div>
              <p class="check-headline" data-testid="check-headline">
                <StatusBadge status={verdict.status} label={verdict.label} />{' '}
                {entryText(current)}
              </p>
              {monitor.data && (
                <p class="small">
                  Page:{' '}
                  <a class="url" href={monitor.data.url} rel="noreferrer noopener" target="_blank">
                    {monitor.data.url}
                  </a>
                </p>
              )}
              <div class="card">
                <CheckFacts check={current} diffId={DIFF_ANCHOR} />
              </div>
              <ScreenshotCompare check={current} />
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}
