import { unsubscribeChannel } from '../api/channels';
import { LinkAction } from '../components/PublicCard';
import { useDocumentTitle } from '../lib/title';

/**
 * Where the unsubscribe link of an alert email leads; no account needed.
 * Mail clients that support one-click unsubscribe (RFC 8058) post to the API
 * themselves and never show this page.
 */
export function Unsubscribe({ token }: { token: string }) {
  useDocumentTitle('Unsubscribe');
  return (
    <LinkAction
      title="Unsubscribe"
      intro="Stop the alerts of this Lookout channel to your address? Its owners can turn it on again; nothing else changes."
      button="Unsubscribe"
      busyButton="Unsubscribing…"
      disabled={token === ''}
      act={() => unsubscribeChannel(token)}
      done={(unsubscribed) =>
        `Unsubscribed: alerts of “${unsubscribed.name}” no longer go to ${unsubscribed.address}. Its owners see this on their channels page.`
      }
    />
  );
}
