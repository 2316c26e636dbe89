-- 0012_shared_state.sql — what the server used to keep in its own memory
-- between requests, kept in the database instead, so that several
-- `minsheng serve` processes on one PostgreSQL database (issue 8) share
-- it: the sign-in throttles (src/auth/throttle.c) and the per-user rate
-- limits (src/core/ratelimit.c); and the host of an import batch's
-- process (src/registry/import_batch.c), so that a server tells another
-- machine's live import from a dead one of its own.
-- docs/postgresql.md "Several servers on one database" lists the rest.

-- One window of failed sign-ins per client address, and the whole
-- service's under subject '*'. A window starts at its first attempt and
-- ends a minute later (session_policy.login_window_seconds); each attempt is one
-- upsert of its row, and rows whose window ended are deleted.
CREATE TABLE login_throttle (
    subject      TEXT PRIMARY KEY,           -- client address, or '*' for all
    window_start INTEGER NOT NULL,           -- unix seconds
    attempts     INTEGER NOT NULL,           -- counted; a sign-in that succeeds takes its own back
    refused      INTEGER NOT NULL,           -- refusals in this window
    last_refused INTEGER NOT NULL            -- 1 when the last attempt was refused
);
CREATE INDEX login_throttle_window ON login_throttle(window_start);

-- Events of the per-user rate limits ("at most max in any window"):
-- one row per event, deleted once it is older than its window.
CREATE TABLE rate_event (
    name       TEXT NOT NULL,                -- the limit (search_exact, export_full)
    subject    INTEGER NOT NULL,             -- the user id
    at         INTEGER NOT NULL,             -- unix seconds
    expires_at INTEGER NOT NULL              -- at + the limit's window
);
CREATE INDEX rate_event_subject ON rate_event(name, subject, at);
CREATE INDEX rate_event_expiry ON rate_event(expires_at);

-- The host (gethostname) of the process writing or undoing a batch:
-- its pid means something only there. NULL for batches from before.
ALTER TABLE import_batch ADD COLUMN host TEXT;
