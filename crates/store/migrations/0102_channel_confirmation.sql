-- An email channel to an address other than its creator's own waits, off,
-- until the recipient confirms through the signed link Lookout sent there;
-- nothing else is sent to it before.
ALTER TABLE channels ADD COLUMN awaiting_confirmation boolean NOT NULL DEFAULT false;
