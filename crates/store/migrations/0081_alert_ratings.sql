-- Alert ratings: users say whether an alert was useful or noise. The monitor
-- page shows precision over the last rated alerts, and the last few rated
-- alerts of a monitor are given to the model as labelled examples.

CREATE TABLE check_ratings (
    check_id   uuid PRIMARY KEY REFERENCES checks (id) ON DELETE CASCADE,
    monitor_id uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    rating     text NOT NULL CHECK (rating IN ('useful', 'noise')),
    -- Who rated in the UI or API; null for a signed link from an alert.
    rated_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    via        text NOT NULL CHECK (via IN ('api', 'link')),
    rated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX check_ratings_monitor ON check_ratings (monitor_id, rated_at DESC);

-- Digests of the rating links already used: each link works once.
CREATE TABLE rating_links_used (
    token_digest text PRIMARY KEY,
    check_id     uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    used_at      timestamptz NOT NULL DEFAULT now()
);
