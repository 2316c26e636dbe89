-- 0007_duties.sql — separation of duties (三权分立, src/auth/duties.c):
-- the security administrator role, approved roles, and the two-person
-- change requests for privileged accounts.
--
-- app_user is rebuilt (SQLite cannot change a CHECK constraint) so that
-- its role may be 'secadmin' (安全管理员), and gains role_approved: an
-- account the system administrator created through the API starts with
-- 0 and can sign in but do nothing until the security administrator
-- sets or confirms its role and scope (PUT /users/{id}/role). Accounts
-- that exist already, and those the command line creates, are approved.
-- The migration runner turns foreign keys off around a migration and
-- checks them before it commits, so the tables that reference app_user
-- keep pointing at the rebuilt one.
CREATE TABLE app_user_new (
    id                    INTEGER PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE,
    display_name          TEXT NOT NULL,
    role                  TEXT NOT NULL CHECK (role IN ('admin', 'secadmin', 'auditor', 'street', 'community', 'grid', 'viewer')),
    org_unit_id           INTEGER NOT NULL REFERENCES org_unit(id),
    password_hash         TEXT NOT NULL,
    failed_logins         INTEGER NOT NULL DEFAULT 0,
    locked_until          INTEGER NOT NULL DEFAULT 0,   -- unix seconds
    disabled              INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    password_changed_at   INTEGER NOT NULL DEFAULT 0,
    must_change_password  INTEGER NOT NULL DEFAULT 0,
    last_login_at         INTEGER NOT NULL DEFAULT 0,
    enabled_at            INTEGER NOT NULL DEFAULT 0,
    role_approved         INTEGER NOT NULL DEFAULT 1
);
INSERT INTO app_user_new(id, username, display_name, role, org_unit_id, password_hash, failed_logins, locked_until,
                         disabled, created_at, updated_at, password_changed_at, must_change_password, last_login_at,
                         enabled_at, role_approved)
    SELECT id, username, display_name, role, org_unit_id, password_hash, failed_logins, locked_until, disabled,
           created_at, updated_at, password_changed_at, must_change_password, last_login_at, enabled_at, 1
    FROM app_user;
DROP TABLE app_user;
ALTER TABLE app_user_new RENAME TO app_user;

-- A change to a privileged account (admin, secadmin, auditor) proposed
-- by one of the system and security administrators and applied only
-- when a person of the other role approves it (not the proposer, not the
-- account concerned) before expires_at.
--   kind: create | update (password reset, re-enabling, display name)
--         | totp_reset | role
--   target_user_id: the account (NULL for a create until it is approved)
--   username .. password_hash: the change; NULL = left as it is.
--     password_hash is an Argon2id hash (never the password) and is
--     cleared when the request is decided or expires.
--   status: pending | approved | rejected | expired
CREATE TABLE change_request (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL CHECK (kind IN ('create', 'update', 'totp_reset', 'role')),
    target_user_id   INTEGER REFERENCES app_user(id),
    username         TEXT NOT NULL,
    display_name     TEXT,
    role             TEXT,
    org_unit_id      INTEGER REFERENCES org_unit(id),
    disabled         INTEGER,
    password_hash    TEXT,
    summary          TEXT NOT NULL,          -- one line in Chinese, for the lists and the audit log
    proposed_by      INTEGER NOT NULL REFERENCES app_user(id),
    proposer_role    TEXT NOT NULL,
    proposed_at      INTEGER NOT NULL,       -- unix seconds
    expires_at       INTEGER NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    decided_by       INTEGER REFERENCES app_user(id),
    decided_at       INTEGER
);
CREATE INDEX change_request_status ON change_request(status, proposed_at);
