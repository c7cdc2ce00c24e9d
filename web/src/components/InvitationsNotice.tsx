import { useEffect, useState } from 'preact/hooks';
import { listReceivedInvitations } from '../api/teams';
import { href } from '../lib/router';

/**
 * Tells a person who has just signed in that a team invited them: the
 * invitation waits on the Teams page, which they would not otherwise open.
 * A hint only, so a failure to load it shows nothing.
 */
export function InvitationsNotice({ hidden }: { hidden: boolean }) {
  const [teams, setTeams] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    listReceivedInvitations()
      .then((page) => live && setTeams(page.items.map((item) => item.team_name)))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [hidden]);
  if (hidden || teams.length === 0) return null;
  const names = teams.length === 1 ? teams[0] : `${teams.length} teams`;
  return (
    <div class="notice" role="status" data-testid="invitations-notice">
      You are invited to join {names}. <a href={href('/teams')}>Review the invitation{teams.length === 1 ? '' : 's'}</a>
    </div>
  );
}
