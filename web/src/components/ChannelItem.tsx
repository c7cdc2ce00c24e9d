import { useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/client';
import { deleteChannel, resendConfirmation, testChannel, updateChannel } from '../api/channels';
import type { Channel, ChannelPatch } from '../api/types';
import { absoluteTime, relativeTime } from '../lib/format';
import { checkName, type Errors, hasErrors, prune } from '../lib/validation';
import { checkSchedule, DeliveryFields, describeSchedule, scheduleBody, scheduleOf } from './DeliveryFields';
import { FieldError } from './states';

const HEALTH: Record<string, { label: string; tone: string }> = {
  unknown: { label: 'Not used yet', tone: 'muted' },
  healthy: { label: 'Healthy', tone: 'good' },
  failing: { label: 'Failing, retrying', tone: 'alert' },
  dead: { label: 'Alerts not delivered', tone: 'bad' },
  disabled: { label: 'Turned off', tone: 'bad' },
  awaiting_confirmation: { label: 'Waiting for the recipient to confirm', tone: 'muted' },
};

/** The one destination field a channel of this kind is re-pointed with, if any. */
function destinationField(kind: string): { key: 'address' | 'url' | 'chat_id'; label: string } {
  if (kind === 'email') return { key: 'address', label: 'New email address' };
  if (kind === 'telegram') return { key: 'chat_id', label: 'New chat id' };
  return { key: 'url', label: kind === 'ntfy' ? 'New topic URL' : 'New webhook URL' };
}

type Message = { text: string; tone: 'success' | 'error' };

/** One channel: its health, a test send, editing, turning off and on, deleting. */
export function ChannelItem({ channel, onChange, onRemove }: { channel: Channel; onChange: (channel: Channel) => void; onRemove: () => void }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const [editing, setEditing] = useState(false);
  const health = HEALTH[channel.health] ?? HEALTH.unknown;

  const run = async (action: () => Promise<Message | null>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage(await action());
    } catch (error) {
      setMessage({ text: describeError(error), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  const sendTest = () =>
    run(async () => {
      try {
        await testChannel(channel.id);
        return { text: `Test message sent to ${channel.target}.`, tone: 'success' };
      } catch (error) {
        return { text: `The test failed: ${describeError(error)}`, tone: 'error' };
      }
    });

  const resend = () =>
    run(async () => {
      const sent = await resendConfirmation(channel.id);
      return { text: `We emailed ${sent.address} a new confirmation link.`, tone: 'success' };
    });

  const toggle = () =>
    run(async () => {
      onChange(await updateChannel(channel.id, { enabled: !channel.enabled }));
      return { text: channel.enabled ? 'Turned off: alerts are not sent here.' : 'Turned on again.', tone: 'success' };
    });

  const remove = () =>
    run(async () => {
      if (!window.confirm(`Delete the channel “${channel.name}”? Monitors stop sending alerts to it.`)) return null;
      await deleteChannel(channel.id);
      onRemove();
      return null;
    });

  return (
    <li class="list-item channel-item" data-testid="channel-item">
      <div>
        <span class="strong">{channel.name}</span> <span class="badge muted">{channel.kind}</span>{' '}
        <span class={`badge ${health.tone}`} data-testid="channel-health">
          {health.label}
        </span>
        <div class="muted small url">{channel.target}</div>
        <div class="muted small" data-testid="channel-delivery">
          {describeSchedule(channel)}
        </div>
        <p class="small muted">
          {channel.last_success_at ? (
            <>
              Last delivered <time dateTime={channel.last_success_at} title={absoluteTime(channel.last_success_at)}>{relativeTime(channel.last_success_at)}</time>
            </>
          ) : (
            'Nothing delivered yet'
          )}
          {channel.last_failure_at && (
            <>
              {' · '}last failure <time dateTime={channel.last_failure_at} title={absoluteTime(channel.last_failure_at)}>{relativeTime(channel.last_failure_at)}</time>
            </>
          )}
        </p>
        {channel.last_failure && channel.health !== 'healthy' && <p class="small error-text">{channel.last_failure}</p>}
        {channel.disabled_reason && <p class="small error-text">Turned off by Lookout: {channel.disabled_reason}</p>}
        {message && (
          <p class={`small ${message.tone}-text`} role="status">
            {message.text}
          </p>
        )}
        {editing && (
          <EditChannel
            channel={channel}
            onDone={(updated) => {
              setEditing(false);
              if (updated) {
                onChange(updated);
                setMessage({ text: 'Saved.', tone: 'success' });
              }
            }}
          />
        )}
      </div>
      <div class="button-row">
        {channel.awaiting_confirmation ? (
          <button type="button" class="secondary small-button" disabled={busy} onClick={resend}>
            Resend confirmation
          </button>
        ) : (
          <button type="button" class="secondary small-button" disabled={busy || !channel.enabled} onClick={sendTest}>
            Send test
          </button>
        )}
        <button type="button" class="secondary small-button" disabled={busy} aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit
        </button>
        <button type="button" class="secondary small-button" disabled={busy || channel.awaiting_confirmation} onClick={toggle}>
          {channel.enabled ? 'Turn off' : 'Turn on'}
        </button>
        <button type="button" class="danger small-button" disabled={busy} onClick={remove}>
          Delete
        </button>
      </div>
    </li>
  );
}

function EditChannel({ channel, onDone }: { channel: Channel; onDone: (updated: Channel | null) => void }) {
  const field = destinationField(channel.kind);
  const [name, setName] = useState(channel.name);
  const [destination, setDestination] = useState('');
  const [botToken, setBotToken] = useState('');
  const [schedule, setSchedule] = useState(scheduleOf(channel));
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const prefix = `edit-${channel.id}`;

  const save = async (event: Event) => {
    event.preventDefault();
    const found = prune({
      name: checkName(name),
      bot_token: channel.kind === 'telegram' && destination.trim() !== '' && botToken.trim() === '' ? 'Give the bot token with a new chat id.' : undefined,
      ...checkSchedule(schedule),
    });
    setErrors(found);
    if (hasErrors(found)) return;
    const changedSchedule = JSON.stringify(scheduleBody(schedule)) !== JSON.stringify(scheduleBody(scheduleOf(channel)));
    const patch: ChannelPatch = { name: name.trim(), ...(changedSchedule ? scheduleBody(schedule) : {}) };
    if (destination.trim() !== '') {
      patch[field.key] = destination.trim();
      if (channel.kind === 'telegram') patch.bot_token = botToken.trim();
    }
    setSaving(true);
    setFailure(null);
    try {
      onDone(await updateChannel(channel.id, patch));
    } catch (error) {
      if (error instanceof ApiError) {
        setErrors(
          prune({
            name: error.fieldMessage('name'),
            destination: error.fieldMessage(field.key),
            bot_token: error.fieldMessage('bot_token'),
            digest_at: error.fieldMessage('digest_at'),
            time_zone: error.fieldMessage('time_zone'),
          }),
        );
      }
      setFailure(describeError(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="edit-channel" onSubmit={save} noValidate aria-label={`Edit ${channel.name}`}>
      {failure && (
        <p class="small error-text" role="alert">
          {failure}
        </p>
      )}
      <label for={`${prefix}-name`}>Name</label>
      <input id={`${prefix}-name`} value={name} onInput={(event) => setName(event.currentTarget.value)} aria-invalid={errors.name ? true : undefined} />
      <FieldError id={`${prefix}-name-error`} message={errors.name} />
      <label for={`${prefix}-destination`}>{field.label}</label>
      <input
        id={`${prefix}-destination`}
        value={destination}
        placeholder="Leave empty to keep the current one"
        onInput={(event) => setDestination(event.currentTarget.value)}
        aria-invalid={errors.destination ? true : undefined}
      />
      <FieldError id={`${prefix}-destination-error`} message={errors.destination} />
      {channel.kind === 'telegram' && (
        <>
          <label for={`${prefix}-bot-token`}>Bot token</label>
          <input id={`${prefix}-bot-token`} type="password" autoComplete="off" value={botToken} onInput={(event) => setBotToken(event.currentTarget.value)} />
          <FieldError id={`${prefix}-bot-token-error`} message={errors.bot_token} />
        </>
      )}
      {channel.kind === 'webhook' && <p class="hint">The signing secret stays the same.</p>}
      <DeliveryFields prefix={prefix} schedule={schedule} errors={errors} onChange={setSchedule} />
      <div class="button-row">
        <button type="submit" class="small-button" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="secondary small-button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
