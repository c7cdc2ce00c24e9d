-- Verdicts users can trust: state conditions and the first check, evidence,
-- cache and token figures per check.

-- What the first check may do: `auto` (a state condition that already holds
-- alerts once, an event never does), `alert` (alert when the condition holds
-- on the first check) or `baseline` (the first check never alerts).
ALTER TABLE monitors
    ADD COLUMN first_check text NOT NULL DEFAULT 'auto'
        CHECK (first_check IN ('auto', 'alert', 'baseline')),
    -- Whether the monitor's state condition held at the last judged check;
    -- null when unknown (never judged, an event condition, or the condition
    -- changed). A state alerts again only after it was false in between.
    ADD COLUMN condition_holds boolean,
    -- What a check does when the model cannot judge a change (down, timing
    -- out, invalid answers): `hold` (judge it again next time),
    -- `alert_anyway` (alert with the diff, marked not judged) or
    -- `notify_unjudged` (tell the owner once that judging fails).
    ADD COLUMN fail_policy text NOT NULL DEFAULT 'hold'
        CHECK (fail_policy IN ('hold', 'alert_anyway', 'notify_unjudged')),
    -- Changes in a row the judge could not judge, and whether the owner was
    -- told about this streak; both reset by the next judged check.
    ADD COLUMN unjudged_streak integer NOT NULL DEFAULT 0,
    ADD COLUMN unjudged_notice_sent boolean NOT NULL DEFAULT false;

ALTER TABLE checks
    -- `state` or `event`, as the judge classified the condition.
    ADD COLUMN condition_kind text CHECK (condition_kind IN ('state', 'event')),
    ADD COLUMN condition_holds boolean,
    -- The first check alerted because the state condition already held.
    ADD COLUMN first_alert boolean NOT NULL DEFAULT false,
    ADD COLUMN evidence_excerpt text,
    -- `verified`, `unverified` or `not_needed`; with the reason when unverified.
    ADD COLUMN verification text CHECK (verification IN ('verified', 'unverified', 'not_needed')),
    ADD COLUMN verification_problem text,
    -- The verdict came from the verdict cache, without a model call.
    ADD COLUMN judge_cached boolean NOT NULL DEFAULT false,
    ADD COLUMN prompt_tokens integer,
    ADD COLUMN completion_tokens integer,
    -- Why the change could not be judged: model_unavailable, timeout,
    -- rate_limited or invalid_answer.
    ADD COLUMN unjudged_reason text,
    -- This check tells the owner that judging is failing (delivered through
    -- the monitor's channels as a "failing" message).
    ADD COLUMN unjudged_notice boolean NOT NULL DEFAULT false;

-- The gateway's metrics count unjudged checks by reason on every scrape.
CREATE INDEX checks_unjudged ON checks (unjudged_reason) WHERE unjudged_reason IS NOT NULL;
