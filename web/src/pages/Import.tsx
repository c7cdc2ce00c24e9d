import { useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { type ImportStep, importMonitors, listTeams } from '../api/teams';
import type { ImportEntry, ImportFormat, ImportOutcome, ImportReport, Team } from '../api/types';
import { AsyncView } from '../components/states';
import { detectFormat, FORMAT_LABELS, isZip } from '../lib/importFormat';
import { href } from '../lib/router';
import { useAsync } from '../lib/useAsync';

/** Rows the preview table shows at once; the counts cover every entry. */
const SHOWN_ROWS = 500;

const OUTCOME_LABELS: Record<ImportOutcome, string> = {
  created: 'Create',
  skipped: 'Skip',
  refused: 'Refuse',
};

const OUTCOME_BADGES: Record<ImportOutcome, string> = {
  created: 'good',
  skipped: 'muted',
  refused: 'bad',
};

type Stage =
  | { name: 'choose' }
  | { name: 'working'; what: string; step: ImportStep | null }
  | { name: 'preview'; report: ImportReport }
  | { name: 'done'; report: ImportReport };

/** What each phase of a running import counts. */
const STEP_LABELS: Record<ImportStep['phase'], { doing: string; unit: string }> = {
  checking_destinations: { doing: 'Checking destinations', unit: 'hosts' },
  validating: { doing: 'Validating entries', unit: 'entries' },
  creating: { doing: 'Creating monitors', unit: 'monitors' },
};

const count = (value: number) => value.toLocaleString('en');

/**
 * How far a running import is: a progressbar fed by the gateway's stream,
 * without a value until the first step arrives.
 */
export function ImportProgress({ what, step }: { what: string; step: ImportStep | null }) {
  const labels = step ? STEP_LABELS[step.phase] : null;
  const text = step && labels ? `${labels.doing}: ${count(step.done)} of ${count(step.total)} ${labels.unit}` : what;
  const share = step && step.total > 0 ? Math.min(100, Math.round((step.done * 100) / step.total)) : 0;
  return (
    <div class="import-progress">
      <div
        class="progressbar"
        role="progressbar"
        aria-label={what}
        aria-valuemin={step ? 0 : undefined}
        aria-valuemax={step ? step.total : undefined}
        aria-valuenow={step ? step.done : undefined}
        aria-valuetext={step ? text : undefined}
      >
        <div class={step ? 'progressbar-fill' : 'progressbar-fill waiting'} style={step ? { width: `${share}%` } : undefined} />
      </div>
      <span>{text}</span>
    </div>
  );
}

function selectorText(entry: ImportEntry): string {
  return entry.selectors.map((selector) => `${selector.kind}: ${selector.expression}`).join('; ');
}

function interval(seconds: number | null | undefined): string {
  if (!seconds) return '';
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function Counts({ report, done }: { report: ImportReport; done: boolean }) {
  return (
    <ul class="import-counts" aria-label="Import summary">
      <li>
        <strong>{report.created}</strong> {done ? 'created' : 'to create'}
      </li>
      <li>
        <strong>{report.skipped}</strong> skipped (already there)
      </li>
      <li>
        <strong>{report.refused}</strong> refused
      </li>
    </ul>
  );
}

function EntriesTable({ report }: { report: ImportReport }) {
  const [shown, setShown] = useState<ImportOutcome | 'all'>('all');
  const entries = report.entries.filter((entry) => shown === 'all' || entry.outcome === shown);
  return (
    <>
      <label for="import-shown">Show</label>
      <select id="import-shown" value={shown} onChange={(event) => setShown(event.currentTarget.value as ImportOutcome | 'all')}>
          <option value="all">All entries</option>
          <option value="created">To create</option>
          <option value="skipped">Skipped</option>
          <option value="refused">Refused</option>
      </select>
      <div>
        <table class="responsive">
          <caption class="visually-hidden">What the import does with each entry of the file</caption>
          <thead>
            <tr>
              <th scope="col">Entry</th>
              <th scope="col">Outcome</th>
              <th scope="col">Name and URL</th>
              <th scope="col">Selector</th>
              <th scope="col">Interval</th>
              <th scope="col">Why / notes</th>
            </tr>
          </thead>
          <tbody>
            {entries.slice(0, SHOWN_ROWS).map((entry) => (
              <tr key={entry.index}>
                <td data-label="Entry">{entry.line ? `line ${entry.line}` : `#${entry.index + 1}`}</td>
                <td data-label="Outcome">
                  <span class={`badge ${OUTCOME_BADGES[entry.outcome]}`}>{OUTCOME_LABELS[entry.outcome]}</span>
                </td>
                <td data-label="Name and URL">
                  {entry.name && <div>{entry.name}</div>}
                  <div class="small url">{entry.url}</div>
                </td>
                <td data-label="Selector" class="small">{selectorText(entry)}</td>
                <td data-label="Interval">{interval(entry.interval_seconds)}</td>
                <td data-label="Why / notes" class="small">
                  {[entry.reason, ...entry.notes].filter(Boolean).join(' · ')}
                  {entry.tags.length > 0 && <div>Tags: {entry.tags.join(', ')}</div>}
                  {entry.ignored_fields.length > 0 && <div>Not imported: {entry.ignored_fields.join(', ')}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.length > SHOWN_ROWS && (
        <p class="small">
          Showing the first {SHOWN_ROWS} of {entries.length} entries; the counts above cover them all.
        </p>
      )}
    </>
  );
}

function ImportForm({ teams, initialTeam }: { teams: Team[]; initialTeam: string | null }) {
  const [teamId, setTeamId] = useState(initialTeam && teams.some((team) => team.id === initialTeam) ? initialTeam : (teams[0]?.id ?? ''));
  const [file, setFile] = useState<File | null>(null);
  const [chosen, setChosen] = useState<ImportFormat | 'auto'>('auto');
  const [detected, setDetected] = useState<ImportFormat | null>(null);
  const [archive, setArchive] = useState(false);
  const [stage, setStage] = useState<Stage>({ name: 'choose' });
  const [error, setError] = useState<string | null>(null);
  const format: ImportFormat = chosen === 'auto' ? (detected ?? 'urls') : chosen;

  const pick = async (picked: File | null) => {
    setFile(picked);
    setStage({ name: 'choose' });
    setError(null);
    if (!picked) {
      setArchive(false);
      setDetected(null);
      return;
    }
    const zip = isZip(new Uint8Array(await picked.slice(0, 4).arrayBuffer()));
    setArchive(zip);
    setDetected(zip ? 'changedetection' : detectFormat(await picked.slice(0, 256 * 1024).text()));
  };

  const run = async (dryRun: boolean) => {
    if (!file || !teamId) return;
    setError(null);
    const what = dryRun ? `Checking ${file.name}…` : 'Importing the monitors…';
    setStage({ name: 'working', what, step: null });
    try {
      const report = await importMonitors(teamId, file, format, dryRun, {
        archive,
        onStep: (step) => setStage({ name: 'working', what, step }),
      });
      setStage(dryRun ? { name: 'preview', report } : { name: 'done', report });
    } catch (caught) {
      setError(`${dryRun ? 'The file could not be checked' : 'Nothing was imported'}: ${describeError(caught)}`);
      setStage({ name: 'choose' });
    }
  };

  const working = stage.name === 'working';
  return (
    <>
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          void run(true);
        }}
      >
        <label for="import-team">Team</label>
        <select id="import-team" value={teamId} onChange={(event) => setTeamId(event.currentTarget.value)} disabled={working}>
            {teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
        </select>
        <label for="import-file">File</label>
        <input id="import-file" aria-describedby="import-file-hint" type="file" accept=".txt,.json,.yaml,.yml,.zip,text/plain,application/json,application/zip" disabled={working} onChange={(event) => void pick(event.currentTarget.files?.[0] ?? null)} />
        <p class="hint" id="import-file-hint">
          Up to 10,000 entries (16 MiB), or a changedetection.io backup ZIP (up to 64 MiB).
        </p>
        <label for="import-format">Format</label>
        <select id="import-format" value={chosen} onChange={(event) => setChosen(event.currentTarget.value as ImportFormat | 'auto')} disabled={working}>
            <option value="auto">{detected ? `Detect from the file (${FORMAT_LABELS[detected]})` : 'Detect from the file'}</option>
            {(Object.keys(FORMAT_LABELS) as ImportFormat[]).map((key) => (
              <option key={key} value={key}>
                {FORMAT_LABELS[key]}
              </option>
            ))}
        </select>
        <button type="submit" disabled={!file || working}>
          Preview import
        </button>
      </form>
      <div aria-live="polite">
        {stage.name === 'working' && <ImportProgress what={stage.what} step={stage.step} />}
        {stage.name === 'done' && (
          <div class="notice success" role="status">
            <p>
              Imported {stage.report.created} monitor{stage.report.created === 1 ? '' : 's'}; {stage.report.skipped} skipped, {stage.report.refused} refused.
            </p>
            <a href={href('/monitors')}>See your monitors</a>
          </div>
        )}
      </div>
      {error && (
        <div class="notice error" role="alert">
          {error}
        </div>
      )}
      {(stage.name === 'preview' || stage.name === 'done') && (
        <section aria-labelledby="import-result">
          <h2 id="import-result">{stage.name === 'preview' ? 'Preview: nothing is created yet' : 'What was imported'}</h2>
          <Counts report={stage.report} done={stage.name === 'done'} />
          {stage.report.tags_created.length > 0 && (
            <p class="small">
              {stage.name === 'preview' ? 'Tags to create' : 'Tags created'}: {stage.report.tags_created.join(', ')}.
            </p>
          )}
          {stage.report.ignored_fields.length > 0 && (
            <p class="small">
              Fields of the file Lookout does not import (yet): {stage.report.ignored_fields.join(', ')}.
            </p>
          )}
          {stage.report.archive_ignored.length > 0 && (
            <p class="small">Also in the archive, not imported: {stage.report.archive_ignored.join('; ')}.</p>
          )}
          {stage.name === 'preview' && (
            <p>
              <button type="button" onClick={() => void run(false)} disabled={stage.report.created === 0}>
                Import {stage.report.created} monitor{stage.report.created === 1 ? '' : 's'}
              </button>
            </p>
          )}
          <EntriesTable report={stage.report} />
        </section>
      )}
    </>
  );
}

/**
 * Import monitors from a file: pick it, preview what would be created,
 * skipped or refused (a dry run), then confirm.
 */
export function Import() {
  const teams = useAsync(() => listTeams(), []);
  const initialTeam = new URLSearchParams(location.search).get('team');
  return (
    <section>
      <div class="page-head">
        <h1>Import monitors</h1>
      </div>
      <p>
        From a list of URLs (one per line), a changedetection.io backup ZIP or its url-watches.json, a urlwatch or webchanges urls.yaml, or a
        Lookout export. Tags come along. You see what would happen before anything is created.
      </p>
      <AsyncView state={teams} label="Loading teams…">
        {(page) => <ImportForm teams={page.items} initialTeam={initialTeam} />}
      </AsyncView>
    </section>
  );
}
