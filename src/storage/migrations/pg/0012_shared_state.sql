-- pg/0012_shared_state.sql — PostgreSQL version of ../0012_shared_state.sql
-- (state shared by several servers: sign-in throttles, rate-limit
-- events, the import batch's host). Differs only in BIGINT columns: unix
-- seconds outgrow PostgreSQL's 4-byte INTEGER in 2038.

-- One window of failed sign-ins per client address, and the whole
-- service's under subject '*'. A window starts at its first attempt and
-- ends a minute later (session_policy.login_window_seconds); each attempt is one
-- upsert of its row, and rows whose window ended are deleted.
CREATE TABLE login_throttle (
    subject      TEXT PRIMARY KEY,           -- client address, or '*' for all
    window_start BIGINT NOT NULL,           -- unix seconds
    attempts     BIGINT NOT NULL,           -- counted; a sign-in that succeeds takes its own back
    refused      BIGINT NOT NULL,           -- refusals in this window
    last_refused BIGINT NOT NULL            -- 1 when the last attempt was refused
);
CREATE INDEX login_throttle_window ON login_throttle(window_start);

-- Events of the per-user rate limits ("at most max in any window"):
-- one row per event, deleted once it is older than its window.
CREATE TABLE rate_event (
    name       TEXT NOT NULL,                -- the limit (search_exact, export_full)
    subject    BIGINT NOT NULL,             -- the user id
    at         BIGINT NOT NULL,             -- unix seconds
    expires_at BIGINT NOT NULL              -- at + the limit's window
);
CREATE INDEX rate_event_subject ON rate_event(name, subject, at);
CREATE INDEX rate_event_expiry ON rate_event(expires_at);

-- The host (gethostname) of the process writing or undoing a batch:
-- its pid means something only there. NULL for batches from before.
ALTER TABLE import_batch ADD COLUMN host TEXT;
