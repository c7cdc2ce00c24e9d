-- Per-team quotas: what an administrator changed from the deployment's
-- defaults (environment settings, read by gateway and scheduler). A null
-- column keeps the default; zero allows none. Without a row every default
-- applies.
CREATE TABLE team_quotas (
    team_id          uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    monitors         bigint CHECK (monitors >= 0),
    channels         bigint CHECK (channels >= 0),
    api_keys         bigint CHECK (api_keys >= 0),
    renders_per_hour bigint CHECK (renders_per_hour >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       uuid REFERENCES users (id) ON DELETE SET NULL
);

-- Chromium renders of the team's current hour (UTC): one row per team whose
-- hour restarts the count, so the table never grows past the number of teams.
CREATE TABLE render_usage (
    team_id uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    hour    timestamptz NOT NULL,
    renders bigint NOT NULL CHECK (renders >= 0)
);
