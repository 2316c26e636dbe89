/* replica.c — read-your-writes with a read replica (see replica.h). */
#include "storage/replica.h"

#include <stdio.h>

/* An autocommit statement of its own, after the write's COMMIT: the WAL
 * insert position then is past the commit record. (Not
 * pg_current_wal_lsn, the position written out so far: with
 * synchronous_commit off the commit record may still be in the WAL
 * buffers, behind it.) The table is unlogged, so this adds no WAL flush
 * to the write. */
int db_note_write(db_conn *primary, int64_t user_id)
{
    if (!db_conn_is_postgres(primary) || user_id <= 0)
        return 0;
    int rc = db_exec_args(primary,
                          "INSERT INTO replica_wait(user_id, lsn) VALUES (?, pg_current_wal_insert_lsn()::text)"
                          " ON CONFLICT (user_id) DO UPDATE SET lsn = EXCLUDED.lsn",
                          DB_INT(user_id));
    if (rc != DB_DONE) {
        fprintf(stderr, "minsheng: 无法记录写入位置（只读副本）: %s\n", db_errmsg(primary));
        return -1;
    }
    return 0;
}

int db_replica_caught_up(db_conn *primary, db_conn *replica, int64_t user_id)
{
    if (!db_conn_is_postgres(primary) || !db_conn_is_postgres(replica))
        return 0;
    char lsn[64];
    if (!db_one_text(primary, lsn, sizeof lsn, "SELECT lsn FROM replica_wait WHERE user_id = ?", DB_INT(user_id)))
        return !db_conn_broken(primary);   /* nothing written (or written before a crash emptied the table) */
    return db_one_int(replica, 0,
                      "SELECT COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_insert_lsn()) >= CAST(? AS pg_lsn)",
                      DB_TEXT(lsn)) == 1;
}
