/* import_batch.c — the import_batch table (see import_batch.h): start,
 * heartbeat, commit, undo and recovery of an import's batch marker. */
#include "registry/import_batch.h"
#include "core/audit.h"
#include "registry/registry.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const SQL_PENDING =
    "SELECT id, username FROM import_batch WHERE state = 'running' OR state = 'undoing' ORDER BY id LIMIT 1";
static const char *const SQL_INSERT =
    "INSERT INTO import_batch(user_id, username, file_name, mode, org_path, state, host, pid, heartbeat, started_at)"
    " VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)";
static const char *const SQL_TOUCH =
    "UPDATE import_batch SET heartbeat = ?, rows_read = ?, residents = ?, households = ?, error_rows = ?"
    " WHERE id = ?";
static const char *const SQL_COMMIT =
    "UPDATE import_batch SET state = 'committed', committed_at = ?, finished_at = ?, heartbeat = ?,"
    " rows_read = ?, residents = ?, households = ?, error_rows = ? WHERE id = ? AND state = 'running'";
/* Claims the batch for this process's undo (only one process undoes it). */
static const char *const SQL_CLAIM_UNDO =
    "UPDATE import_batch SET state = 'undoing', host = ?, pid = ?, heartbeat = ?, note = COALESCE(note, ?)"
    " WHERE id = ? AND (state = 'running' OR state = 'undoing' OR state = 'committed') AND pid = ?"
    " AND host IS NOT DISTINCT FROM ?";
static const char *const SQL_GET =
    "SELECT state, pid, committed_at IS NOT NULL, COALESCE(org_path, ''), COALESCE(committed_at, ''), heartbeat, host"
    " FROM import_batch WHERE id = ?";
static const char *const SQL_HEARTBEAT = "UPDATE import_batch SET heartbeat = ? WHERE id = ?";
static const char *const SQL_FINISH_UNDO =
    "UPDATE import_batch SET state = ?, finished_at = ?, heartbeat = ? WHERE id = ? AND state = 'undoing'";
static const char *const SQL_STALE =
    "SELECT id, pid, heartbeat, host FROM import_batch WHERE state = 'running' OR state = 'undoing' ORDER BY id";

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* This machine's name: a batch's pid means something only on the host
 * that wrote it (several servers may share a PostgreSQL database). */
static const char *this_host(void)
{
    static _Thread_local char name[256];
    if (gethostname(name, sizeof name - 1) != 0)
        name[0] = '\0';
    name[sizeof name - 1] = '\0';
    return name;
}

/* host is this machine (NULL: a batch from before hosts were kept). */
static int on_this_host(const char *host)
{
    return !host || strcmp(host, this_host()) == 0;
}

int import_batch_start(db_conn *db, const import_owner *who, const char *file_name, const char *mode,
                       int64_t *id_out, ms_err *err)
{
    char now[20], other[64] = "";
    if (db_begin(db) != DB_DONE)
        return err_set(err, ERR_BUSY, NULL, "数据库繁忙，无法开始导入，请稍后重试");
    db_stmt *s = db_query(db, SQL_PENDING);
    int64_t busy_id = 0;
    if (db_step(s) == DB_ROW) {
        busy_id = db_col_int(s, 0);
        db_col_copy(s, 1, other, sizeof other);
    }
    db_finalize(s);
    if (busy_id) {
        db_rollback(db);
        return err_set(err, ERR_CONFLICT, NULL, "另一个导入（批次 #%lld，%s）正在进行，同一时间只能进行一个导入，请稍后再试",
                       (long long)busy_id, other);
    }
    int rc = db_exec_args(db, SQL_INSERT, DB_ID(who->user_id), DB_TEXT(who->username ? who->username : "cli"),
                          DB_OPT_TEXT(file_name), DB_TEXT(mode), DB_OPT_TEXT(who->org_path), DB_TEXT(this_host()),
                          DB_INT(getpid()),
                          DB_INT(now_s()), DB_TEXT(db_now(now)));
    *id_out = db_last_insert_id(db);
    if (rc != DB_DONE || db_commit(db) != DB_DONE) {
        db_rollback(db);
        return err_db(err);
    }
    return 0;
}

int import_batch_touch(db_conn *db, int64_t id, const import_counts *c)
{
    return db_exec_args(db, SQL_TOUCH, DB_INT(now_s()), DB_INT(c->rows), DB_INT(c->residents),
                        DB_INT(c->households), DB_INT(c->error_rows), DB_INT(id)) == DB_DONE ? 0 : -1;
}

int import_batch_commit(db_conn *db, int64_t id, const import_counts *c)
{
    char now[20];
    db_now(now);
    if (db_exec_args(db, SQL_COMMIT, DB_TEXT(now), DB_TEXT(now), DB_INT(now_s()), DB_INT(c->rows),
                     DB_INT(c->residents), DB_INT(c->households), DB_INT(c->error_rows), DB_INT(id)) != DB_DONE)
        return -1;
    return db_changes(db) == 1 ? 0 : -1;
}

/* Whether the process of a batch is gone. Another host's process is
 * judged by its heartbeat alone: its pid is not one of this machine's. */
static int process_gone(const char *host, int64_t pid, int64_t heartbeat, int at_startup)
{
    if (!on_this_host(host))
        return heartbeat < now_s() - IMPORT_BATCH_STALE_S;
    if (pid <= 0 || (at_startup && pid == (int64_t)getpid()))
        return 1;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 1;
    return heartbeat < now_s() - IMPORT_BATCH_STALE_S;
}

/* ---- undo ------------------------------------------------------------------ */

typedef struct batch_state {
    char state[16];
    int64_t pid;
    int was_committed;
    char org_path[256];
    char committed_at[20];
    int64_t heartbeat;
    char host[256];
    int has_host;
} batch_state;

static int batch_load(db_conn *db, int64_t id, batch_state *b)
{
    db_stmt *s = db_query(db, SQL_GET, DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, b->state, sizeof b->state);
        b->pid = db_col_int(s, 1);
        b->was_committed = db_col_int(s, 2) != 0;
        db_col_copy(s, 3, b->org_path, sizeof b->org_path);
        db_col_copy(s, 4, b->committed_at, sizeof b->committed_at);
        b->heartbeat = db_col_int(s, 5);
        b->has_host = !db_col_is_null(s, 6);
        db_col_copy(s, 6, b->host, sizeof b->host);
    }
    db_finalize(s);
    return rc == DB_ROW ? 0 : -1;
}

/* Sets the batch undoing under this process's pid; 0, or -1 when it is
 * gone, finished or claimed by another process meanwhile. */
static int claim_undo(db_conn *db, int64_t id, const char *reason, batch_state *b, ms_err *err)
{
    if (db_begin(db) != DB_DONE)
        return err_set(err, ERR_BUSY, NULL, "数据库繁忙，无法撤销导入，请稍后重试");
    if (batch_load(db, id, b) != 0) {
        db_rollback(db);
        return err_set(err, ERR_NOT_FOUND, NULL, "导入批次 #%lld 不存在", (long long)id);
    }
    const char *host = b->has_host ? b->host : NULL;
    int mine = on_this_host(host) && b->pid == (int64_t)getpid();
    if (strcmp(b->state, "committed") != 0 && !mine && !process_gone(host, b->pid, b->heartbeat, 0)) {
        db_rollback(db);
        return err_set(err, ERR_CONFLICT, NULL, "导入批次 #%lld 正由另一进程（%lld）处理，不能撤销", (long long)id,
                       (long long)b->pid);
    }
    int64_t blockers = strcmp(b->state, "committed") == 0 ? registry_batch_changed_since(db, id, b->committed_at) : 0;
    if (blockers != 0) {
        db_rollback(db);
        if (blockers < 0)
            return err_db(err);
        return err_set(err, ERR_CONFLICT, NULL, "导入批次 #%lld 的数据导入后已有 %lld 处被修改或引用，不能整体撤销，请逐条处理",
                       (long long)id, (long long)blockers);
    }
    if (db_exec_args(db, SQL_CLAIM_UNDO, DB_TEXT(this_host()), DB_INT(getpid()), DB_INT(now_s()), DB_TEXT(reason),
                     DB_INT(id), DB_INT(b->pid), DB_TEXT(host)) != DB_DONE) {
        db_rollback(db);
        return err_db(err);
    }
    if (db_changes(db) != 1) {
        db_rollback(db);
        return err_set(err, ERR_NOT_FOUND, NULL, "导入批次 #%lld 已%s，不能撤销", (long long)id,
                       strcmp(b->state, "undone") == 0 ? "撤销" : "结束");
    }
    if (db_commit(db) != DB_DONE) {
        db_rollback(db);
        return err_db(err);
    }
    return 0;
}

/* One bounded transaction of deletes: >0 rows deleted, 0 done, -1 error. */
static int undo_step(db_conn *db, int64_t id, import_counts *deleted)
{
    if (db_begin(db) != DB_DONE)
        return -1;
    int n = registry_delete_batch_rows(db, id, IMPORT_UNDO_ROWS, &deleted->residents, &deleted->households);
    if (n < 0 || db_exec_args(db, SQL_HEARTBEAT, DB_INT(now_s()), DB_INT(id)) != DB_DONE ||
        db_commit(db) != DB_DONE) {
        db_rollback(db);
        return -1;
    }
    return n;
}

static int finish_undo(db_conn *db, int64_t id, const import_owner *who, const char *reason,
                       const batch_state *b, const import_counts *deleted)
{
    char now[20], detail[512];
    snprintf(detail, sizeof detail, "撤销导入批次 #%lld（%s）：删除 %lld 人、%lld 户", (long long)id, reason,
             (long long)deleted->residents, (long long)deleted->households);
    json_t *after = json_pack("{s:I, s:s, s:I, s:I}", "batch", (json_int_t)id, "state",
                              b->was_committed ? "undone" : "failed", "residents_deleted",
                              (json_int_t)deleted->residents, "households_deleted", (json_int_t)deleted->households);
    audit_entry e = {.user_id = who ? who->user_id : 0, .username = who ? who->username : NULL,
                     .client_ip = who ? who->client_ip : NULL, .action = "import_undo", .entity = "resident",
                     .org_path = b->org_path[0] ? b->org_path : NULL, .after = after, .detail = detail};
    int rc = -1;
    if (db_begin(db) != DB_DONE)
        goto out;
    if (db_exec_args(db, SQL_FINISH_UNDO, DB_TEXT(b->was_committed ? "undone" : "failed"), DB_TEXT(db_now(now)),
                     DB_INT(now_s()), DB_INT(id)) != DB_DONE ||
        db_changes(db) != 1 || audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        goto out;
    }
    rc = 0;
out:
    json_decref(after);
    return rc;
}

int import_batch_undo(db_conn *db, int64_t id, const import_owner *who, const char *reason,
                      import_counts *deleted, ms_err *err)
{
    import_counts tmp = {0};
    batch_state b;
    if (!deleted)
        deleted = &tmp;
    memset(deleted, 0, sizeof *deleted);
    if (claim_undo(db, id, reason, &b, err) != 0)
        return -1;
    int n;
    while ((n = undo_step(db, id, deleted)) > 0)
        usleep(1000);   /* let waiting writers in between */
    if (n < 0 || finish_undo(db, id, who, reason, &b, deleted) != 0)
        return err_set(err, ERR_BUSY, NULL, "撤销导入批次 #%lld 未完成（%s），其数据仍然隐藏，下次启动或导入时继续撤销",
                       (long long)id, db_errmsg(db));
    return 0;
}

/* ---- recovery ----------------------------------------------------------------- */

int import_batch_recover(db_conn *db, int at_startup)
{
    int64_t ids[32];
    size_t n = 0;
    db_stmt *s = db_query(db, SQL_STALE);
    while (n < sizeof ids / sizeof ids[0] && db_step(s) == DB_ROW)
        if (process_gone(db_col_is_null(s, 3) ? NULL : db_col_text(s, 3), db_col_int(s, 1), db_col_int(s, 2),
                         at_startup))
            ids[n++] = db_col_int(s, 0);
    db_finalize(s);
    int undone = 0;
    for (size_t i = 0; i < n; i++) {
        ms_err err;
        import_counts deleted;
        if (import_batch_undo(db, ids[i], NULL, "导入进程中断（崩溃、被终止或断电），自动撤销", &deleted, &err) != 0) {
            if (err.kind == ERR_NOT_FOUND)
                continue;             /* another process finished it meanwhile */
            fprintf(stderr, "minsheng: %s\n", err.message);
            return -1;
        }
        fprintf(stderr, "minsheng: 已撤销中断的导入批次 #%lld（删除 %lld 人、%lld 户）\n", (long long)ids[i],
                (long long)deleted.residents, (long long)deleted.households);
        undone++;
    }
    return undone;
}
