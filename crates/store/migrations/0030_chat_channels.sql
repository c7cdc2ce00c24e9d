-- Chat and push channels besides email and signed webhooks.
ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('email', 'webhook', 'slack', 'discord', 'telegram', 'teams', 'ntfy'));

-- `secret` is the one column that holds a credential: the webhook signing
-- secret, the whole Slack/Discord/Teams webhook URL (its path or query is
-- the credential), the Telegram bot token or the ntfy access token. `target`
-- holds only what may be shown: an address, a URL with its secret part
-- masked, a Telegram chat id, an ntfy topic URL.
COMMENT ON COLUMN channels.secret IS 'the channel credential; never shown or logged';
COMMENT ON COLUMN channels.target IS 'what may be shown of the destination';

-- Per-kind settings that are not secret (ntfy priority and tags).
ALTER TABLE channels ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb;
-- Set when Lookout disabled the channel itself (the receiver answered
-- 410 Gone), so its owners see why.
ALTER TABLE channels ADD COLUMN disabled_reason text;
