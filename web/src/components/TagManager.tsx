import { useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/client';
import { createTag, deleteTag, updateTag } from '../api/tags';
import type { Tag } from '../api/types';
import { useSession } from '../session';
import { FieldError } from './states';
import { TagChip } from './TagChip';

/** Colours offered for a new tag, in turn; any `#rrggbb` can be picked. */
export const TAG_PALETTE = ['#2457d6', '#16794a', '#b42318', '#9a4b00', '#7a3db8', '#0f7c8c', '#5c6670'];

function teamName(teams: { id: string; name: string; personal: boolean }[], id: string): string {
  const team = teams.find((candidate) => candidate.id === id);
  if (!team) return '';
  return team.personal ? `${team.name} (personal)` : team.name;
}

/** One tag: rename, recolour, delete (after naming how many monitors carry it). */
function TagRow({ tag, showTeam, onChange, onRemove }: { tag: Tag; showTeam: string; onChange: (tag: Tag) => void; onRemove: () => void }) {
  const [name, setName] = useState(tag.name);
  const [colour, setColour] = useState(tag.colour);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const changed = name.trim() !== tag.name || colour !== tag.colour;

  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onChange(await updateTag(tag.id, { name: name.trim(), colour }));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await deleteTag(tag.id);
      onRemove();
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };

  const id = `tag-${tag.id}`;
  return (
    <li class="tag-row">
      <form class="tag-edit" onSubmit={save} aria-label={`Tag ${tag.name}`}>
        <TagChip tag={tag} />
        {showTeam && <span class="muted small">{showTeam}</span>}
        <span class="muted small">
          {tag.monitor_count} {tag.monitor_count === 1 ? 'monitor' : 'monitors'}
        </span>
        <label class="visually-hidden" for={`${id}-name`}>
          Name of tag {tag.name}
        </label>
        <input id={`${id}-name`} value={name} maxLength={40} onInput={(event) => setName(event.currentTarget.value)} />
        <label class="visually-hidden" for={`${id}-colour`}>
          Colour of tag {tag.name}
        </label>
        <input id={`${id}-colour`} type="color" value={colour} onInput={(event) => setColour(event.currentTarget.value)} />
        <button type="submit" class="secondary small-button" disabled={busy || !changed || !name.trim()}>
          Save
        </button>
        {!confirming && (
          <button type="button" class="danger small-button" disabled={busy} onClick={() => setConfirming(true)}>
            Delete<span class="visually-hidden"> tag {tag.name}</span>
          </button>
        )}
      </form>
      {confirming && (
        <div class="notice warn" role="group" aria-label={`Delete tag ${tag.name}?`}>
          <p>
            Delete the tag “{tag.name}”?{' '}
            {tag.monitor_count > 0
              ? `It is removed from ${tag.monitor_count} ${tag.monitor_count === 1 ? 'monitor' : 'monitors'}; the monitors stay.`
              : 'No monitor carries it.'}
          </p>
          <div class="button-row">
            <button type="button" class="danger small-button" disabled={busy} onClick={() => void remove()}>
              Delete tag “{tag.name}”
            </button>
            <button type="button" class="secondary small-button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

/** The team's tags: create, rename, recolour, delete. */
export function TagManager({ tags, onChange }: { tags: Tag[]; onChange: (tags: Tag[]) => void }) {
  const { me } = useSession();
  const personal = me.teams.find((team) => team.personal) ?? me.teams[0];
  const [name, setName] = useState('');
  const [colour, setColour] = useState(TAG_PALETTE[tags.length % TAG_PALETTE.length]);
  const [teamId, setTeamId] = useState(personal?.id ?? '');
  const [saving, setSaving] = useState(false);
  const [nameError, setNameError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const manyTeams = me.teams.length > 1;

  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (!name.trim()) {
      setNameError('Enter a name.');
      return;
    }
    setNameError(undefined);
    setSaving(true);
    try {
      const tag = await createTag({ name: name.trim(), colour, team_id: teamId || undefined });
      onChange([...tags, tag]);
      setName('');
      setColour(TAG_PALETTE[(tags.length + 1) % TAG_PALETTE.length]);
    } catch (caught) {
      if (caught instanceof ApiError && caught.fieldMessage('name')) setNameError(caught.fieldMessage('name'));
      else setError(describeError(caught));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div class="tag-manager">
      {tags.length === 0 ? (
        <p class="muted">No tags yet. Tags group monitors: filter the list by one, or act on all its monitors at once.</p>
      ) : (
        <ul class="tag-list">
          {tags.map((tag) => (
            <TagRow
              key={tag.id}
              tag={tag}
              showTeam={manyTeams ? teamName(me.teams, tag.team_id) : ''}
              onChange={(updated) => onChange(tags.map((item) => (item.id === updated.id ? updated : item)))}
              onRemove={() => onChange(tags.filter((item) => item.id !== tag.id))}
            />
          ))}
        </ul>
      )}
      <form class="tag-create" onSubmit={create} noValidate>
        <div class="row">
          <div>
            <label for="new-tag-name">New tag</label>
            <input
              id="new-tag-name"
              value={name}
              maxLength={40}
              placeholder="Shops"
              onInput={(event) => setName(event.currentTarget.value)}
              aria-invalid={nameError ? true : undefined}
              aria-describedby={nameError ? 'new-tag-name-error' : undefined}
            />
            <FieldError id="new-tag-name-error" message={nameError} />
          </div>
          <div>
            <label for="new-tag-colour">Colour</label>
            <input id="new-tag-colour" type="color" value={colour} onInput={(event) => setColour(event.currentTarget.value)} />
          </div>
          {manyTeams && (
            <div>
              <label for="new-tag-team">Team</label>
              <select id="new-tag-team" value={teamId} onChange={(event) => setTeamId(event.currentTarget.value)}>
                {me.teams.map((team) => (
                  <option key={team.id} value={team.id}>
                    {teamName(me.teams, team.id)}
                  </option>
                ))}
              </select>
            </div>
          )}
        </div>
        <div class="form-actions">
          <button type="submit" class="secondary" disabled={saving}>
            {saving ? 'Adding…' : 'Add tag'}
          </button>
        </div>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </div>
  );
}
