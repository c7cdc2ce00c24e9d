-- Identity: sign-in sessions with rotating refresh tokens, API keys, the
-- audit log and the secrets of signed triggers.

-- A session is one sign-in on one device. Its refresh tokens form a
-- family: each use rotates the token, and presenting a rotated one revokes
-- the whole session (the token was stolen or replayed).
CREATE TABLE sessions (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_used_at      timestamptz NOT NULL DEFAULT now(),
    -- Absolute end: a stolen refresh token cannot keep a session alive forever.
    expires_at        timestamptz NOT NULL,
    revoked_at        timestamptz,
    revoked_reason    text,
    user_agent        text NOT NULL DEFAULT '',
    ip                text,
    -- The access token issued last, denylisted when the session is revoked.
    access_jti        text,
    access_expires_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id, created_at DESC);

CREATE TABLE refresh_tokens (
    -- sha256 of the opaque token: a database leak yields no usable token.
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Set when the token was exchanged for its successor; a second use is reuse.
    rotated_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- API keys for scripts: `lk_<prefix>_<secret>`, looked up by prefix and
-- compared by hash.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    prefix       text NOT NULL UNIQUE,
    secret_hash  bytea NOT NULL,
    scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write']::text[] AND cardinality(scopes) > 0),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at DESC);

-- Append-only: the application inserts and reads, nothing updates or deletes.
CREATE TABLE audit_events (
    id         uuid PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    action     text NOT NULL,
    actor_id   uuid,
    -- Kept as text, not a reference: the trail outlives deleted accounts.
    actor_email text,
    target     text,
    ip         text,
    user_agent text,
    request_id text,
    detail     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_at ON audit_events (at DESC, id DESC);
CREATE INDEX audit_events_action ON audit_events (action, at DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_id, at DESC);

-- HMAC key of the monitor's signed trigger URL; null until one is created.
-- Kept in clear like webhook secrets: verifying an HMAC needs the key.
ALTER TABLE monitors ADD COLUMN trigger_secret text;
