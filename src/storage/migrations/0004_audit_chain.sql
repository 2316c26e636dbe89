-- 0004_audit_chain.sql — the tamper-evident audit log (owned by core/audit.c),
-- its purge anchors and the security alerts (core/alerts.c).
--
-- audit_log is rebuilt so that:
--   * ids are never reused (AUTOINCREMENT), so a deleted row leaves a gap;
--   * every row has an outcome (success | failure);
--   * `at` is UTC ISO 8601 with its zone ("2026-03-01T02:03:04Z"); the API
--     shows it in Beijing time (+08:00);
--   * prev_hash / row_hash chain each row to the one before: row_hash is a
--     keyed BLAKE2b (the key file's audit subkey) over every column and
--     prev_hash. SQL cannot compute it, so the rows copied here keep
--     row_hash NULL and the program chains them the first time it opens the
--     database with its key (audit_chain_adopt), writing an audit row that
--     says so. Until then they are as unprotected as they were before.
CREATE TABLE audit_log_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,               -- UTC, ISO 8601 with 'Z'
    user_id     INTEGER,
    username    TEXT,
    action      TEXT NOT NULL,
    entity      TEXT,
    entity_id   INTEGER,
    org_path    TEXT,
    before_json TEXT,
    after_json  TEXT,
    client_ip   TEXT,
    detail      TEXT,
    outcome     TEXT NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'failure')),
    prev_hash   TEXT,                        -- hex; the previous row's row_hash (or the purge anchor's)
    row_hash    TEXT                         -- hex keyed BLAKE2b; NULL only for rows not yet chained
);
INSERT INTO audit_log_new(id, at, user_id, username, action, entity, entity_id, org_path,
                          before_json, after_json, client_ip, detail, outcome)
SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', at), user_id, username, action, entity, entity_id, org_path,
       before_json, after_json, client_ip, detail,
       CASE WHEN action IN ('login_failed', 'login_locked', 'login_refused_locked') THEN 'failure' ELSE 'success' END
FROM audit_log ORDER BY id;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_user_action_at ON audit_log(user_id, action, at);   -- per-user alert counts
CREATE INDEX audit_action_at ON audit_log(action, at);                 -- failed-login bursts

-- Where the chain begins after a purge: the last purged row's id and hash,
-- MAC'd with the audit subkey so it cannot be moved without the key.
CREATE TABLE audit_anchor (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    through_id  INTEGER NOT NULL,            -- rows with id <= through_id were purged
    row_hash    TEXT NOT NULL,               -- row_hash of row through_id
    purged_at   TEXT NOT NULL,               -- UTC ISO 8601
    purged_rows INTEGER NOT NULL,
    mac         TEXT NOT NULL
);

-- Alerts raised by the rules of core/alerts.c when an audit row is written.
CREATE TABLE security_alert (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,               -- UTC ISO 8601
    rule        TEXT NOT NULL,               -- login_failures_user, login_failures_ip, full_id_views, bulk_exports
    subject     TEXT NOT NULL,               -- the user name or client address concerned
    user_id     INTEGER,
    org_path    TEXT,                        -- scope of the subject (NULL = street-wide)
    count       INTEGER NOT NULL,            -- events counted in the window
    detail      TEXT NOT NULL,
    acked_at    TEXT,
    acked_by    INTEGER REFERENCES app_user(id)
);
CREATE INDEX security_alert_rule ON security_alert(rule, subject, at);
CREATE INDEX security_alert_open ON security_alert(acked_at, at);
