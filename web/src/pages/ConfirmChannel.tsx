import { confirmChannel } from '../api/channels';
import { LinkAction } from '../components/PublicCard';
import { useDocumentTitle } from '../lib/title';

/** Where the link in a confirmation email leads; no account needed. */
export function ConfirmChannel() {
  useDocumentTitle('Confirm alerts');
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return (
    <LinkAction
      title="Confirm alerts"
      intro="Someone asked Lookout to send alerts to your address. Nothing is sent unless you confirm."
      button="Yes, send me these alerts"
      busyButton="Confirming…"
      footnote="If you did not expect this, close this page: nothing more will be sent."
      disabled={token === ''}
      act={() => confirmChannel(token)}
      done={(confirmed) => `Confirmed: alerts of “${confirmed.name}” now go to ${confirmed.address}.`}
    />
  );
}
