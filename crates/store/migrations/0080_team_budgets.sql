-- Per-team monthly model budgets, and the model use they are measured against.

-- Set by administrators. A null limit is no limit of that kind; a row has at
-- least one. Without a row the team has no budget.
CREATE TABLE team_budgets (
    team_id        uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    monthly_tokens bigint CHECK (monthly_tokens > 0),
    monthly_calls  bigint CHECK (monthly_calls > 0),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    CHECK (monthly_tokens IS NOT NULL OR monthly_calls IS NOT NULL)
);

-- Model use per monitor and calendar month (UTC), added up when a check is
-- recorded, so the scheduler reads a team's month in a few rows instead of
-- summing its checks. No foreign key to monitors: deleting a monitor must not
-- hand its spending back to the team's budget.
CREATE TABLE model_usage (
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    month      date NOT NULL,
    monitor_id uuid NOT NULL,
    tokens     bigint NOT NULL DEFAULT 0,
    calls      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, month, monitor_id)
);
