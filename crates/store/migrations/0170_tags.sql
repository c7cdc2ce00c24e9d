-- Tags: a team's own labels for its monitors (issue 20). A name is unique in
-- its team whatever its case; the colour is `#rrggbb` in lower case. A
-- monitor carries any number of its own team's tags (the store links only a
-- tag and a monitor of the same team); deleting a tag detaches it.
CREATE TABLE tags (
    id uuid PRIMARY KEY,
    team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
    colour text NOT NULL CHECK (colour ~ '^#[0-9a-f]{6}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tags_team_name ON tags (team_id, lower(name));

CREATE TABLE monitor_tags (
    monitor_id uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    tag_id uuid NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (monitor_id, tag_id)
);
-- Filtering the list by a tag walks from the tag to its monitors.
CREATE INDEX monitor_tags_tag ON monitor_tags (tag_id, monitor_id);

-- The list's keyset order is (created_at, id) within the caller's teams;
-- the old index lacked the id tie-breaker.
CREATE INDEX monitors_team_listing ON monitors (team_id, created_at DESC, id DESC);
DROP INDEX monitors_team;
