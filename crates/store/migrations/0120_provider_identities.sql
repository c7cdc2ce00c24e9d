-- A person is who their identity provider says they are: the `(issuer,
-- subject)` pair of the ID token. An email only names them; it can move to
-- another person at the provider (an address reassigned after someone
-- left), and that person must not inherit the account.
--
-- Accounts from before this table get their row at their next sign-in
-- (matched once by email, then by subject only).
CREATE TABLE user_identities (
    issuer       text NOT NULL,
    subject      text NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
-- One subject per account and provider: a second subject claiming the same
-- account's email is a different person.
CREATE UNIQUE INDEX user_identities_user_issuer ON user_identities (user_id, issuer);

-- Team membership is offered, then accepted by the invitee once signed in.
-- Addressed by email so an owner can invite someone who has never signed
-- in; no account is created or revealed by an invitation.
CREATE TABLE team_invitations (
    id         uuid PRIMARY KEY,
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    email      text NOT NULL,
    role       text NOT NULL CHECK (role IN ('owner', 'member')),
    invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
-- One open invitation per team and address; inviting again renews it.
CREATE UNIQUE INDEX team_invitations_team_email ON team_invitations (team_id, lower(email));
CREATE INDEX team_invitations_email ON team_invitations (lower(email));
