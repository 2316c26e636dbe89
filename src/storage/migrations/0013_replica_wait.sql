-- 0013_replica_wait.sql — read-your-writes across servers with a read
-- replica (serve --db-replica; src/storage/replica.c owns this table).
-- After a signed-in user's write commits on the primary, the server
-- keeps the primary's WAL insert position (pg_current_wal_insert_lsn(),
-- as text) for that user; a later read-heavy request of theirs, on any
-- server, goes to a replica only once the replica has replayed that far
-- (pg_last_wal_replay_lsn()). On SQLite there are no replicas and the
-- table stays empty. PostgreSQL's twin makes it UNLOGGED: no WAL, no
-- flush at commit, emptied by a crash (the positions only matter for
-- seconds).
CREATE TABLE replica_wait (
    user_id INTEGER PRIMARY KEY,
    lsn TEXT NOT NULL
);
