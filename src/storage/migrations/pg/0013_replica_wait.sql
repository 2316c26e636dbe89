-- 0013_replica_wait.sql (PostgreSQL) — see ../0013_replica_wait.sql.
-- UNLOGGED: writing it costs no WAL and no flush at commit; a crash
-- empties it, and the positions it held matter for seconds only.
CREATE UNLOGGED TABLE replica_wait (
    user_id BIGINT PRIMARY KEY,
    lsn TEXT NOT NULL
);
