-- 0003_auth_security.sql — identification to MLPS 2.0 level 3 (src/auth/):
-- password age, forced change, history, last sign-in, and the second
-- factor (TOTP secrets and recovery codes).
--
-- Times here are unix seconds (INTEGER), like locked_until in 0001.

-- password_changed_at: when the current password was set (expiry counts
--   from it). Existing accounts start their 90 days now.
-- must_change_password: 1 for initial passwords (accounts created by
--   `minsheng user add`, `init` or POST /users) and administrator resets;
--   the session stays restricted to the password change until it is done.
-- last_login_at: the last successful sign-in (0 = never).
-- enabled_at: when the account was created or last re-enabled; an
--   account unused since MAX(last_login_at, enabled_at) for longer than
--   the policy allows is disabled at its next sign-in attempt.
ALTER TABLE app_user ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN last_login_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN enabled_at INTEGER NOT NULL DEFAULT 0;
UPDATE app_user SET password_changed_at = CAST(strftime('%s','now') AS INTEGER),
                    enabled_at = CAST(strftime('%s', created_at) AS INTEGER);

-- Earlier password hashes of each account (Argon2id strings), newest
-- kept; a new password may not equal the current one or these.
CREATE TABLE password_history (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES app_user(id),
    password_hash  TEXT NOT NULL,
    replaced_at    INTEGER NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

-- The TOTP secret of an account (RFC 6238, SHA-1, 6 digits, 30 s).
-- enabled = 0 while enrolment waits for the first code. last_step is the
-- last time step accepted, so a code cannot be used twice.
-- TODO(key file): the secret is stored in clear for now; a later step
-- encrypts it with the key kept outside the database (core/keys).
CREATE TABLE user_totp (
    user_id     INTEGER PRIMARY KEY REFERENCES app_user(id),
    secret      TEXT NOT NULL,                 -- base32, as shown to the user
    enabled     INTEGER NOT NULL DEFAULT 0,
    last_step   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

-- Single-use recovery codes, given out once at enrolment; only a
-- BLAKE2b hash is stored (the codes are random, so no slow hash needed).
CREATE TABLE totp_recovery_code (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES app_user(id),
    code_hash  TEXT NOT NULL,
    used_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX totp_recovery_code_user ON totp_recovery_code(user_id);
