import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { getMonitor, historyExportUrl } from '../api/monitors';
import type { ExportFormat } from '../api/types';

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'csv', label: 'CSV' },
  { format: 'json', label: 'JSON' },
];

/** Starts the browser's own download of `url`, as a click on a download link does. */
export function startDownload(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = '';
  document.body.append(link);
  link.click();
  link.remove();
}

/**
 * "Export history: CSV · JSON": download links for a monitor's whole history.
 * The session cookie authenticates the download, but it lapses with the access
 * token (15 minutes) while a page stands open, and a download cannot renew it:
 * it would save the 401 as the file. So a click first asks for the monitor
 * through the API client, which renews the session (and finds a deleted
 * monitor), then lets the browser download.
 */
export function HistoryExport({ monitorId }: { monitorId: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const download = async (event: MouseEvent, url: string) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await getMonitor(monitorId);
      startDownload(url);
    } catch (problem) {
      setError(`The history could not be exported. ${describeError(problem)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p class="small">
        Export history:{' '}
        {FORMATS.map(({ format, label }, index) => {
          const url = historyExportUrl(monitorId, format);
          return (
            <Fragment key={format}>
              {index > 0 && ' · '}
              <a href={url} download onClick={(event) => void download(event, url)} aria-label={`Export history as ${label}`}>
                {label}
              </a>
            </Fragment>
          );
        })}
      </p>
      {error && (
        <div class="notice error" role="alert">
          {error}
        </div>
      )}
    </>
  );
}
