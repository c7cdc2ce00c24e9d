import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { createChannel } from '../api/channels';
import type { ChannelInput, CreatedChannel } from '../api/types';
import { checkHttpUrl, checkName, type Errors, hasErrors, prune } from '../lib/validation';
import { ErrorMessage, FieldError } from './states';

export type ChatKind = 'slack' | 'discord' | 'telegram' | 'teams' | 'ntfy' | 'apprise';

export const CHAT_KINDS: { kind: ChatKind; label: string; hint: string; placeholder: string }[] = [
  {
    kind: 'slack',
    label: 'Slack',
    hint: 'An incoming webhook URL (Slack app → Incoming Webhooks).',
    placeholder: 'https://hooks.slack.com/services/T…/B…/…',
  },
  {
    kind: 'discord',
    label: 'Discord',
    hint: 'A webhook URL (channel settings → Integrations → Webhooks).',
    placeholder: 'https://discord.com/api/webhooks/…/…',
  },
  {
    kind: 'telegram',
    label: 'Telegram',
    hint: 'The token @BotFather gave your bot, and the chat the bot writes to.',
    placeholder: '123456789:AAH…',
  },
  {
    kind: 'teams',
    label: 'Microsoft Teams',
    hint: 'A workflow URL (channel → Workflows → “Send webhook alerts to a channel”).',
    placeholder: 'https://…logic.azure.com/workflows/…',
  },
  {
    kind: 'ntfy',
    label: 'ntfy',
    hint: 'The topic URL; anyone who knows a public topic can read it, so pick a hard-to-guess name or use a token.',
    placeholder: 'https://ntfy.sh/my-alerts',
  },
  {
    kind: 'apprise',
    label: 'Apprise URL',
    hint: 'Paste what you use elsewhere: slack://, discord://, tgram://, msteams://, ntfy://, json:// or mailto://.',
    placeholder: 'tgram://123456789:AAH…/-1001234567890',
  },
];

export interface ChatFields {
  kind: ChatKind;
  name: string;
  url: string;
  botToken: string;
  chatId: string;
  accessToken: string;
  priority: string;
  tags: string;
}

export function validateChatChannel(fields: ChatFields): Errors {
  const url = fields.url.trim();
  return prune({
    name: checkName(fields.name),
    url:
      fields.kind === 'telegram'
        ? undefined
        : fields.kind === 'apprise'
          ? /^[a-z]+:\/?\/?\S+$/i.test(url)
            ? undefined
            : 'Paste a URL such as slack://… or tgram://….'
          : checkHttpUrl(url),
    bot_token:
      fields.kind === 'telegram' && !/^\d+:[\w-]{20,}$/.test(fields.botToken.trim())
        ? 'A bot token looks like 123456789:AAH…'
        : undefined,
    chat_id:
      fields.kind === 'telegram' && !/^(-?\d+|@\w{5,32})$/.test(fields.chatId.trim())
        ? 'A numeric chat id or an @channelname.'
        : undefined,
  });
}

/** The request body for the fields; secrets go only to the server. */
export function chatChannelInput(fields: ChatFields): ChannelInput {
  const name = fields.name.trim();
  switch (fields.kind) {
    case 'apprise':
      return { name, apprise_url: fields.url.trim() };
    case 'telegram':
      return { kind: 'telegram', name, bot_token: fields.botToken.trim(), chat_id: fields.chatId.trim() };
    case 'ntfy': {
      const tags = fields.tags
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean);
      return {
        kind: 'ntfy',
        name,
        url: fields.url.trim(),
        ...(fields.accessToken.trim() ? { access_token: fields.accessToken.trim() } : {}),
        ...(fields.priority ? { priority: Number(fields.priority) } : {}),
        ...(tags.length ? { tags } : {}),
      };
    }
    default:
      return { kind: fields.kind, name, url: fields.url.trim() };
  }
}

const EMPTY: Omit<ChatFields, 'kind'> = {
  name: '',
  url: '',
  botToken: '',
  chatId: '',
  accessToken: '',
  priority: '',
  tags: '',
};

/** Adds a Slack, Discord, Telegram, Teams or ntfy channel, or one from an Apprise URL. */
export function ChatChannelForm({ onCreated }: { onCreated: (channel: CreatedChannel) => void }) {
  const [fields, setFields] = useState<ChatFields>({ kind: 'slack', ...EMPTY });
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [added, setAdded] = useState<string | null>(null);
  const set = (key: keyof ChatFields) => (event: { currentTarget: { value: string } }) =>
    setFields({ ...fields, [key]: event.currentTarget.value });
  const meta = CHAT_KINDS.find((option) => option.kind === fields.kind) ?? CHAT_KINDS[0];

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = validateChatChannel(fields);
    setErrors(found);
    setSaveError(null);
    setAdded(null);
    if (hasErrors(found)) return;
    setSaving(true);
    try {
      const channel = await createChannel(chatChannelInput(fields));
      setFields({ kind: fields.kind, ...EMPTY });
      setAdded(`Added “${channel.name}” (${channel.kind}): ${channel.target}`);
      onCreated(channel);
    } catch (error) {
      setSaveError(error);
      if (error instanceof ApiError) {
        setErrors(
          prune({
            name: error.fieldMessage('name'),
            url: error.fieldMessage('url') ?? error.fieldMessage('apprise_url'),
            bot_token: error.fieldMessage('bot_token'),
            chat_id: error.fieldMessage('chat_id'),
            access_token: error.fieldMessage('access_token'),
            tags: error.fieldMessage('tags') ?? error.fieldMessage('priority'),
          }),
        );
      }
    } finally {
      setSaving(false);
    }
  };

  const field = (key: string, label: string, input: preact.JSX.Element) => (
    <>
      <label for={`chat-${key}`}>{label}</label>
      {input}
      <FieldError id={`chat-${key}-error`} message={errors[key]} />
    </>
  );
  const invalid = (key: string) => ({
    'aria-invalid': errors[key] ? true : undefined,
    'aria-describedby': errors[key] ? `chat-${key}-error` : undefined,
  });

  return (
    <form class="card" onSubmit={submit} noValidate aria-label="Add a chat or push channel">
      <h2>Add Slack, Discord, Telegram, Teams or ntfy</h2>
      {saveError !== null && <ErrorMessage error={saveError} />}
      {added && (
        <p class="small success-text" role="status">
          {added}
        </p>
      )}
      <label for="chat-kind">Service</label>
      <select
        id="chat-kind"
        value={fields.kind}
        onChange={(event) => {
          setFields({ ...fields, kind: event.currentTarget.value as ChatKind });
          setErrors({});
        }}
      >
        {CHAT_KINDS.map((option) => (
          <option key={option.kind} value={option.kind}>
            {option.label}
          </option>
        ))}
      </select>
      <p class="hint">{meta.hint}</p>
      {field('name', 'Name', <input id="chat-name" value={fields.name} onInput={set('name')} {...invalid('name')} />)}
      {fields.kind === 'telegram' ? (
        <>
          {field(
            'bot_token',
            'Bot token',
            <input
              id="chat-bot_token"
              type="password"
              autoComplete="off"
              value={fields.botToken}
              onInput={set('botToken')}
              placeholder={meta.placeholder}
              {...invalid('bot_token')}
            />,
          )}
          {field(
            'chat_id',
            'Chat id',
            <input id="chat-chat_id" value={fields.chatId} onInput={set('chatId')} placeholder="-1001234567890" {...invalid('chat_id')} />,
          )}
        </>
      ) : (
        field(
          'url',
          fields.kind === 'ntfy' ? 'Topic URL' : fields.kind === 'apprise' ? 'Apprise URL' : 'Webhook URL',
          fields.kind === 'ntfy' ? (
            <input id="chat-url" type="text" autoComplete="off" value={fields.url} onInput={set('url')} placeholder={meta.placeholder} {...invalid('url')} />
          ) : (
            <input
              id="chat-url"
              type="password"
              autoComplete="off"
              value={fields.url}
              onInput={set('url')}
              placeholder={meta.placeholder}
              {...invalid('url')}
            />
          ),
        )
      )}
      {fields.kind === 'ntfy' && (
        <>
          {field(
            'access_token',
            'Access token (optional)',
            <input
              id="chat-access_token"
              type="password"
              autoComplete="off"
              value={fields.accessToken}
              onInput={set('accessToken')}
              placeholder="tk_…"
              {...invalid('access_token')}
            />,
          )}
          <label for="chat-priority">Priority</label>
          <select id="chat-priority" value={fields.priority} onChange={set('priority')}>
            <option value="">Server default</option>
            <option value="1">1 · min</option>
            <option value="2">2 · low</option>
            <option value="3">3 · default</option>
            <option value="4">4 · high</option>
            <option value="5">5 · max</option>
          </select>
          {field(
            'tags',
            'Tags (comma separated)',
            <input id="chat-tags" value={fields.tags} onInput={set('tags')} placeholder="warning, shopping_cart" {...invalid('tags')} />,
          )}
        </>
      )}
      <p class="hint">The URL or token is kept secret: after this, only a masked form is shown.</p>
      <div class="form-actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Adding…' : 'Add channel'}
        </button>
      </div>
    </form>
  );
}
