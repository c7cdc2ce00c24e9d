import { setRetention, teamRetention } from '../api/retention';
import type { TeamRetention as Retention } from '../api/types';
import { formatBytes } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { LimitsForm } from './LimitsForm';
import { AsyncView } from './states';

const count = (value: number) => value.toLocaleString();

/** "for 365 days" / "without a time limit". */
function daysWords(days: number | null | undefined): string {
  return days == null ? 'without a time limit' : `for ${count(days)} ${days === 1 ? 'day' : 'days'}`;
}

/** "at most 1,000 snapshots per monitor" / "every snapshot". */
function snapshotsWords(snapshots: number | null | undefined): string {
  return snapshots == null ? 'every snapshot of each monitor' : `at most ${count(snapshots)} ${snapshots === 1 ? 'snapshot' : 'snapshots'} per monitor`;
}

/** How long a team keeps its history, what it keeps now, and (for owners) the form to change it. */
export function TeamRetentionSummary({ retention, onChange }: { retention: Retention; onChange: (next: Retention) => void }) {
  const { kept } = retention;
  return (
    <div class="team-retention" data-testid="team-retention">
      <h3>History kept</h3>
      <p>
        Checks and snapshots are kept {daysWords(retention.days)}, with {snapshotsWords(retention.snapshots)}. The latest snapshot of each monitor and alerts
        still on their way are always kept.
      </p>
      <dl class="facts">
        <dt>Checks</dt>
        <dd>{count(kept.checks)}</dd>
        <dt>Snapshots</dt>
        <dd>
          {count(kept.snapshots)} ({formatBytes(kept.snapshot_text_bytes)} of text)
        </dd>
      </dl>
      {retention.can_change ? (
        <LimitsForm
          id={`retention-${retention.team_id}`}
          fields={[
            { name: 'days', label: 'Days kept', initial: retention.days == null ? '' : String(retention.days) },
            { name: 'snapshots', label: 'Snapshots per monitor', initial: retention.snapshots == null ? '' : String(retention.snapshots) },
          ]}
          min={1}
          emptyMeans="no limit"
          placeholder="no limit"
          onSave={async (values) => onChange(await setRetention(retention.team_id, { days: values.days, snapshots: values.snapshots }))}
        />
      ) : (
        <p class="small muted">The team's owners can change this.</p>
      )}
      <p class="small muted">
        New teams keep {count(retention.default_days)} days and {count(retention.default_snapshots)} snapshots per monitor. A page that comes back to an earlier
        version reuses its snapshot, so a flapping page stores each version once.
      </p>
    </div>
  );
}

/** Loads and shows one team's retention. */
export function TeamRetentionPanel({ teamId }: { teamId: string }) {
  const state = useAsync(() => teamRetention(teamId), [teamId]);
  return (
    <AsyncView state={state} label="Loading retention…">
      {(retention) => <TeamRetentionSummary retention={retention} onChange={(next) => state.setData(next)} />}
    </AsyncView>
  );
}
