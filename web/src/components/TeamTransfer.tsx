import { useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { listTeams, teamExportUrl } from '../api/teams';
import type { Team } from '../api/types';
import { href } from '../lib/router';
import { startDownload } from './HistoryExport';

/**
 * "Export team" (a JSON file of its monitors and channel names, no secrets)
 * and "Import monitors" into it. As for a history export, a click first goes
 * through the API client, which renews a lapsed session, then lets the
 * browser download.
 */
export function TeamTransfer({ team }: { team: Team }) {
  const [error, setError] = useState<string | null>(null);
  const url = teamExportUrl(team.id);

  const download = async (event: MouseEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await listTeams();
      startDownload(url);
    } catch (problem) {
      setError(`The team could not be exported. ${describeError(problem)}`);
    }
  };

  return (
    <>
      <p class="small">
        <a href={url} download onClick={(event) => void download(event)} aria-label={`Export team ${team.name}`}>
          Export team
        </a>
        {' · '}
        <a href={href(`/import?team=${encodeURIComponent(team.id)}`)} aria-label={`Import monitors into ${team.name}`}>
          Import monitors
        </a>
      </p>
      {error && (
        <div class="notice error" role="alert">
          {error}
        </div>
      )}
    </>
  );
}
