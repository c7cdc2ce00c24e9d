-- Lookout's system of record. Every table holding user data carries the
-- team it belongs to, so that every read can be scoped by team in SQL.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    display_name  text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE teams (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    -- The team created for a user at first sign-in; it cannot be left.
    personal   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE monitors (
    id                   uuid PRIMARY KEY,
    team_id              uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    created_by           uuid REFERENCES users (id) ON DELETE SET NULL,
    name                 text NOT NULL,
    url                  text NOT NULL,
    css_selector         text,
    json_pointer         text,
    -- The user's condition in natural language; empty means any change.
    condition            text NOT NULL DEFAULT '',
    interval_seconds     integer NOT NULL CHECK (interval_seconds > 0),
    render               boolean NOT NULL DEFAULT false,
    -- Extra request headers as [{"name": ..., "value": ...}].
    headers              jsonb NOT NULL DEFAULT '[]'::jsonb,
    paused               boolean NOT NULL DEFAULT false,
    next_check_at        timestamptz NOT NULL DEFAULT now(),
    -- Set by "run now" or a signed trigger: the scheduler runs the monitor at
    -- once (even when paused) and records this as the check's reason.
    requested_reason     text CHECK (requested_reason IN ('manual', 'hook')),
    consecutive_failures integer NOT NULL DEFAULT 0,
    last_checked_at      timestamptz,
    last_triggered_at    timestamptz,
    last_status          text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- The scheduler's claim query walks this index.
CREATE INDEX monitors_due ON monitors (next_check_at) WHERE NOT paused;
CREATE INDEX monitors_requested ON monitors (next_check_at) WHERE requested_reason IS NOT NULL;
CREATE INDEX monitors_team ON monitors (team_id, created_at DESC);

CREATE TABLE snapshots (
    id          uuid PRIMARY KEY,
    monitor_id  uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    text_sha256 text NOT NULL,
    text        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX snapshots_monitor ON snapshots (monitor_id, created_at DESC);

CREATE TABLE checks (
    id              uuid PRIMARY KEY,
    monitor_id      uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    team_id         uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    -- What started the check: schedule, manual (run now) or hook.
    reason          text NOT NULL CHECK (reason IN ('schedule', 'manual', 'hook')),
    -- ok, or the fetch/judge failure: http_error, blocked, page_gone,
    -- selector_not_found, timeout, network_error, forbidden_destination,
    -- too_large, unsupported_content, judge_unavailable, internal_error.
    status          text NOT NULL,
    http_status     integer,
    content_sha256  text,
    snapshot_id     uuid REFERENCES snapshots (id) ON DELETE SET NULL,
    -- First check of a monitor: stores a baseline and never alerts.
    baseline        boolean NOT NULL DEFAULT false,
    changed         boolean NOT NULL DEFAULT false,
    triggered       boolean NOT NULL DEFAULT false,
    summary         text,
    reason_text     text,
    extracted_value text,
    confidence      real,
    judge           text,
    diff            text,
    error           text,
    fetch_ms        integer,
    judge_ms        integer,
    duration_ms     integer,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL
);
CREATE INDEX checks_monitor ON checks (monitor_id, started_at DESC);

CREATE TABLE channels (
    id         uuid PRIMARY KEY,
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('email', 'webhook')),
    name       text NOT NULL,
    -- Email address or webhook URL.
    target     text NOT NULL,
    -- Webhook signing secret (whsec_…); null for email.
    secret     text,
    enabled    boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_team ON channels (team_id, created_at DESC);

-- Which channels a monitor alerts.
CREATE TABLE monitor_channels (
    monitor_id uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    PRIMARY KEY (monitor_id, channel_id)
);
CREATE INDEX monitor_channels_channel ON monitor_channels (channel_id);

-- The outbox: a delivery row is written in the same transaction as the
-- check that triggered it, so a crash never loses a notification.
CREATE TABLE deliveries (
    id              uuid PRIMARY KEY,
    check_id        uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    channel_id      uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    team_id         uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    idempotency_key text NOT NULL UNIQUE,
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_check ON deliveries (check_id);
