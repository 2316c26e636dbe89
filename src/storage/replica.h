/* replica.h — read-your-writes with a read replica.
 *
 * Owns: the replica_wait table (migration 0013): for each user, the
 * primary's WAL position after their last write. The server notes it
 * after every write a signed-in user makes (db_note_write, on the
 * primary) and sends that user's read-heavy requests to a replica only
 * when the replica has replayed that far (db_replica_caught_up). Being
 * in the database, it holds across every server process of a
 * deployment behind a load balancer. PostgreSQL only: on SQLite both do
 * nothing (there are no replicas). */
#ifndef MS_REPLICA_H
#define MS_REPLICA_H

#include <stdint.h>

#include "storage/db.h"

/* Keeps the primary's WAL position now (after user_id's write has
 * committed) as the one user_id's reads must wait for. 0, or -1 when
 * it could not be kept (logged). */
int db_note_write(db_conn *primary, int64_t user_id);

/* 1 when replica has replayed at least the position noted for user_id
 * on primary (or none is noted), 0 when it has not or either could not
 * say. A "replica" that is in fact a primary (after a failover) counts
 * its own current position. */
int db_replica_caught_up(db_conn *primary, db_conn *replica, int64_t user_id);

#endif
