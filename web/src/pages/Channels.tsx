import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { createChannel, listChannels } from '../api/channels';
import type { CreatedChannel } from '../api/types';
import { ChannelItem } from '../components/ChannelItem';
import { ChatChannelForm } from '../components/ChatChannelForm';
import { DeadLetters } from '../components/DeadLetters';
import { checkSchedule, DeliveryFields, scheduleBody, scheduleOf } from '../components/DeliveryFields';
import { SecretOnce } from '../components/SecretOnce';
import { AsyncView, Empty, ErrorMessage, FieldError } from '../components/states';
import { useAsync } from '../lib/useAsync';
import { checkEmail, checkHttpUrl, checkName, type Errors, hasErrors, prune } from '../lib/validation';

type Kind = 'email' | 'webhook';

export function validateChannel(kind: Kind, name: string, target: string): Errors {
  return prune({
    name: checkName(name),
    target: kind === 'email' ? checkEmail(target) : checkHttpUrl(target),
  });
}

export function Channels() {
  const state = useAsync(() => listChannels(), []);
  const [kind, setKind] = useState<Kind>('email');
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  const [schedule, setSchedule] = useState(scheduleOf());
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedChannel | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = prune({ ...validateChannel(kind, name, target), ...checkSchedule(schedule) });
    setErrors(found);
    setSaveError(null);
    if (hasErrors(found)) return;
    setSaving(true);
    try {
      const destination = kind === 'email' ? { address: target.trim() } : { url: target.trim() };
      const channel = await createChannel({ kind, name: name.trim(), ...destination, ...scheduleBody(schedule) });
      setCreated(channel.signing_secret ? channel : null);
      setNotice(
        channel.awaiting_confirmation
          ? channel.confirmation_sent
            ? `We emailed ${channel.target} a link to confirm. The channel turns on when they do; nothing else is sent there before.`
            : `The channel waits for ${channel.target} to confirm, but the confirmation email could not be sent: ${channel.confirmation_problem ?? 'try again later'}. Use “Resend confirmation” to try again.`
          : null,
      );
      setName('');
      setTarget('');
      state.setData((page) => ({ ...page, items: [channel, ...(page?.items ?? [])] }));
    } catch (error) {
      setSaveError(error);
      if (error instanceof ApiError) {
        setErrors(
          prune({
            name: error.fieldMessage('name'),
            target: error.fieldMessage('address') ?? error.fieldMessage('url'),
            digest_at: error.fieldMessage('digest_at'),
            time_zone: error.fieldMessage('time_zone'),
          }),
        );
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <section>
      <h1>Channels</h1>
      <p class="muted">
        Where alerts go: an email address, a webhook that receives signed JSON, Slack, Discord, Telegram, Microsoft Teams or
        ntfy.
      </p>
      {created?.signing_secret && (
        <SecretOnce label={`Signing secret for ${created.name}`} value={created.signing_secret} onDone={() => setCreated(null)} />
      )}
      {notice && (
        <p class="notice info" role="status">
          {notice}
        </p>
      )}
      <AsyncView state={state} label="Loading channels…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No channels yet">
              <p>Add one below so your monitors can reach you.</p>
            </Empty>
          ) : (
            <ul class="list">
              {page.items.map((channel) => (
                <ChannelItem
                  key={channel.id}
                  channel={channel}
                  onChange={(updated) =>
                    state.setData((current) => ({ ...current!, items: current!.items.map((item) => (item.id === updated.id ? updated : item)) }))
                  }
                  onRemove={() => state.setData((current) => ({ ...current!, items: current!.items.filter((item) => item.id !== channel.id) }))}
                />
              ))}
            </ul>
          )
        }
      </AsyncView>
      <DeadLetters onRequeued={() => void state.reload()} />
      <form class="card" onSubmit={submit} noValidate>
        <h2>Add a channel</h2>
        {saveError !== null && <ErrorMessage error={saveError} />}
        <fieldset class="inline-options">
          <legend>Kind</legend>
          {(['email', 'webhook'] as Kind[]).map((option) => (
            <div class="check" key={option}>
              <input type="radio" id={`kind-${option}`} name="kind" checked={kind === option} onChange={() => setKind(option)} />
              <label for={`kind-${option}`}>{option === 'email' ? 'Email' : 'Webhook'}</label>
            </div>
          ))}
        </fieldset>
        <label for="channel-name">Name</label>
        <input
          id="channel-name"
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={errors.name ? 'channel-name-error' : undefined}
          placeholder={kind === 'email' ? 'My inbox' : 'Deploy bot'}
        />
        <FieldError id="channel-name-error" message={errors.name} />
        <label for="channel-target">{kind === 'email' ? 'Email address' : 'Webhook URL'}</label>
        <input
          id="channel-target"
          type="text"
          inputMode={kind === 'email' ? 'email' : 'url'}
          autoComplete={kind === 'email' ? 'email' : 'url'}
          value={target}
          onInput={(event) => setTarget(event.currentTarget.value)}
          aria-invalid={errors.target ? true : undefined}
          aria-describedby={errors.target ? 'channel-target-error' : undefined}
          placeholder={kind === 'email' ? 'you@example.com' : 'https://hooks.example.com/lookout'}
        />
        <FieldError id="channel-target-error" message={errors.target} />
        {kind === 'webhook' && (
          <p class="hint">You get a signing secret once, to verify that requests come from Lookout (Standard Webhooks).</p>
        )}
        <DeliveryFields prefix="channel" schedule={schedule} errors={errors} onChange={setSchedule} />
        <div class="form-actions">
          <button type="submit" disabled={saving}>
            {saving ? 'Adding…' : 'Add channel'}
          </button>
        </div>
      </form>
      <ChatChannelForm
        onCreated={(channel) => state.setData((page) => ({ ...page, items: [channel, ...(page?.items ?? [])] }))}
      />
    </section>
  );
}
