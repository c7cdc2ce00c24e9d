-- Channel credentials at rest are sealed by the gateway (secret-box, the
-- purpose "channel-secret"), like monitor header values. SQL cannot seal
-- (the keys live in SECRETS_KEYS), so existing rows keep their clear value
-- in `secret` until the gateway reseals them at start, which moves each one
-- to `sealed_secret` and empties `secret`.
ALTER TABLE channels ADD COLUMN sealed_secret text;
COMMENT ON COLUMN channels.sealed_secret IS 'the channel credential, sealed by secret-box; never shown or logged';
COMMENT ON COLUMN channels.secret IS 'a credential stored in clear by an older version, until the gateway reseals it into sealed_secret';
-- Finds the rows still to reseal without reading the table.
CREATE INDEX channels_secret_in_clear ON channels (id) WHERE secret IS NOT NULL;
