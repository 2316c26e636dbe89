/* backup.c — backup and restore of the database (see backup.h): a
 * SQLite file copied and checked; a PostgreSQL database dumped with
 * pg_dump -Fc and restored with pg_restore (storage/pg_tools.h runs
 * them), checked the same way once restored. */
#include "app/backup.h"
#include "app/fieldkeys.h"
#include "core/keys.h"
#include "registry/resident.h"
#include "storage/dbfile.h"
#include "storage/pg_tools.h"
#include "util/validate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The tables the checks read: without all four it is not a minsheng
 * database (per engine: SQLite's catalogue, PostgreSQL's public schema). */
#define SQL_HAS_TABLES(db)                                                                                  \
    db_sql((db),                                                                                            \
           "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"                                        \
           " AND name IN ('schema_migrations', 'audit_log', 'audit_anchor', 'resident')",                   \
           "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"                   \
           " AND table_name IN ('schema_migrations', 'audit_log', 'audit_anchor', 'resident')")
#define SQL_HAS_COLUMN_(table, column)                                                                     \
    "SELECT 1 FROM pragma_table_info('" table "') WHERE name = '" column "'",                              \
        "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '" table  \
        "' AND column_name = '" column "'"
#define SQL_HAS_CHAIN(db) db_sql((db), SQL_HAS_COLUMN_("audit_log", "row_hash"))
#define SQL_HAS_ENCRYPTION(db) db_sql((db), SQL_HAS_COLUMN_("resident", "id_number_enc"))
/* Relations in PostgreSQL's public schema: a target that has any is not empty. */
static const char *const SQL_PG_RELATIONS =
    "SELECT COUNT(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public'";
static const char *const SQL_WAL_CHECKPOINT = "PRAGMA wal_checkpoint(TRUNCATE)";

/* Writes the message into err (errsz bytes) and returns -1. Messages
 * here name files, so they get more room than an ms_err's. */
__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- checking a file ------------------------------------------------------------ */

static void add_older(const char *table, const crypt_status *st, void *ctx)
{
    *(int64_t *)ctx += st->older;
}

/* Encrypted values under a data generation the key file no longer holds
 * (a backup from before a finished `keys rotate`) could not be read
 * after a restore. With one generation loaded, every value must be
 * under it or still plaintext (converted at the next start). */
static int check_generations(db_conn *db, const char *path, const char *key_path, char *err, size_t errsz)
{
    unsigned gens[KEYS_MAX_GENERATIONS];
    int64_t older = 0;
    if (!db_exists(db, SQL_HAS_ENCRYPTION(db)))
        return 0;   /* from before encryption: converted when opened */
    if (fieldkeys_status(db, add_older, &older) != 0)
        return fail(err, errsz, "无法读取 %s 的加密状态", path);
    if (older > 0 && keys_generations(gens) < 2)
        return fail(err, errsz,
                    "%s 中有 %lld 行加密字段用的是密钥文件 %s 里已没有的旧数据密钥（轮换之前的备份），恢复后无法解密："
                    "请先把轮换前保存的那份密钥文件放回（或用 --key-file 指定）",
                    path, (long long)older, key_path);
    return 0;
}

/* The checks after the integrity check: schema, audit chain, data keys. */
static int check_contents(db_conn *db, const char *path, const char *key_path, backup_check *out, char *err,
                          size_t errsz)
{
    audit_verify_report vr;
    ms_err verr;
    if (db_one_int(db, 0, SQL_HAS_TABLES(db)) != 4)
        return fail(err, errsz, "%s 不是 minsheng 数据库（缺少 schema_migrations、audit_log 或 resident 表）", path);
    out->schema = db_schema_version(db);
    if (out->schema > db_schema_latest())
        return fail(err, errsz, "%s 的数据库结构版本 %d 比本程序支持的 %d 新：请用更新版本的 minsheng", path,
                    out->schema, db_schema_latest());
    if (!db_exists(db, SQL_HAS_CHAIN(db)))
        return fail(err, errsz, "%s 的数据库结构版本 %d 早于审计哈希链，无法校验：请先用本程序 migrate 一份副本再备份",
                    path, out->schema);
    int v = audit_verify(db, NULL, &vr, &verr);
    if (v < 0)
        return fail(err, errsz, "%s", verr.message);
    if (v > 0)
        return fail(err, errsz, "用密钥文件 %s 校验 %s 的审计日志未通过（它不是用这个密钥的数据库，或已被篡改）：%s",
                    key_path, path, vr.problem);
    if (check_generations(db, path, key_path, err, errsz) != 0)
        return -1;
    out->audit_rows = vr.rows;
    out->audit_head_id = vr.last_id;
    memcpy(out->audit_head, vr.head_hash, sizeof out->audit_head);
    if (resident_count(db, &out->residents, &out->residents_active) != 0)
        return fail(err, errsz, "无法读取 %s 的居民表", path);
    return 0;
}

int backup_check_file(const char *file, const char *shown_as, const char *key_path, backup_check *out, char *err,
                      size_t errsz)
{
    const char *path = shown_as ? shown_as : file;
    char msg[300];
    struct stat st;
    memset(out, 0, sizeof *out);
    if (stat(file, &st) != 0)
        return fail(err, errsz, "无法读取 %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(err, errsz, "%s 不是普通文件", path);
    out->bytes = (long long)st.st_size;
    db_conn *db = db_open_readonly(file, msg, sizeof msg);
    if (!db)
        return fail(err, errsz, "%s", msg);
    int rc = db_integrity_check(db, msg, sizeof msg) == 0
                 ? check_contents(db, path, key_path, out, err, errsz)
                 : fail(err, errsz, "%s 已损坏或不是数据库（完整性检查：%s）", path, msg);
    db_close(db);
    return rc;
}

/* The test build can hold a backup between its copy and its check, so
 * a test can interrupt it with the partial file on disk. */
static void test_pause(void)
{
#ifdef MS_TEST_BUILD
    const char *ms = getenv("MINSHENG_TEST_BACKUP_PAUSE_MS");
    if (ms && atoi(ms) > 0)
        usleep((useconds_t)atoi(ms) * 1000);
#endif
}

/* ---- backup ---------------------------------------------------------------------- */

/* A copy of every record is an export: audited, after the fact, with
 * detail (trimmed here). A failure only warns: the backup is made. */
static void audit_backup(db_conn *db, char *detail)
{
    utf8_trim_partial(detail);
    audit_entry e = {.action = "backup", .entity = "database", .detail = detail};
    if (db_begin(db) != DB_DONE || audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        fprintf(stderr, "minsheng: 备份已完成，但未能写入审计记录（数据库繁忙？）\n");
    }
}

/* The copy under its partial name, made durable and checked. */
static int write_partial(db_conn *db, const char *partial, const char *key_path, backup_report *rep, char *err,
                         size_t errsz)
{
    char msg[1024];
    if (db_backup(db, partial, msg, sizeof msg) != 0)
        return fail(err, errsz, "%s", msg);
    test_pause();
    if (chmod(partial, 0600) != 0 || dbfile_fsync(partial) != 0)
        return fail(err, errsz, "无法写入 %s: %s", partial, strerror(errno));
    if (backup_check_file(partial, NULL, key_path, &rep->check, msg, sizeof msg) != 0)
        return fail(err, errsz, "备份的副本校验未通过：%s", msg);
    return 0;
}

int backup_run(db_conn *db, const char *db_path, const char *dest, int overwrite, const char *key_path,
               backup_report *rep, char *err, size_t errsz)
{
    char partial[4200], detail[400];
    memset(rep, 0, sizeof *rep);
    if (dbfile_same(db_path, dest))
        return fail(err, errsz, "备份文件 %s 就是数据库本身", dest);
    if (!overwrite && dbfile_exists(dest))
        return fail(err, errsz, "备份文件 %s 已存在，不会覆盖（确需覆盖请加 --force）", dest);
    rep->stale_removed = dbfile_remove_stale_partials(dest);
    dbfile_partial_name(dest, partial, sizeof partial);
    dbfile_temp_guard(partial);
    mode_t old_mask = umask(077);   /* the copy holds every record: never readable by others */
    int rc = write_partial(db, partial, key_path, rep, err, errsz);
    umask(old_mask);
    if (rc == 0) {
        int inst = dbfile_install(partial, dest, overwrite);
        if (inst == -2)
            rc = fail(err, errsz, "备份文件 %s 已存在，不会覆盖（确需覆盖请加 --force）", dest);
        else if (inst != 0)
            rc = fail(err, errsz, "无法把备份改名为 %s: %s", dest, strerror(errno));
    }
    dbfile_temp_release(rc != 0);
    if (rc != 0)
        return -1;
    snprintf(detail, sizeof detail, "备份到 %.300s（%lld 字节，居民 %lld 人，审计记录至第 %lld 行）", dest, rep->check.bytes,
             (long long)rep->check.residents, (long long)rep->check.audit_head_id);
    audit_backup(db, detail);
    return 0;
}

/* ---- restore ----------------------------------------------------------------------- */

/* The chain head of the database being replaced, for the restore's
 * audit row ("" when it cannot be read); checkpoints its -wal into the
 * file so the kept copy stands alone. */
static void retire_current(const char *db_path, char *head, size_t headsz)
{
    char msg[300], hash[AUDIT_HASH_HEX];
    int64_t id;
    head[0] = '\0';
    db_conn *db = db_open(db_path, msg, sizeof msg);
    if (!db)
        return;
    if (audit_chain_head(db, &id, hash) == 0)
        snprintf(head, headsz, "第 %lld 行 %.16s…", (long long)id, hash);
    db_exec(db, SQL_WAL_CHECKPOINT);
    db_close(db);
}

/* "<path>.before-restore-<stamp>", with "-2", "-3" … when a restore in
 * the same second already took that name (rename would replace it). */
static void kept_name(const char *path, const char *stamp, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s.before-restore-%s", path, stamp);
    for (int n = 2; dbfile_exists(out); n++)
        snprintf(out, outsz, "%s.before-restore-%s-%d", path, stamp, n);
}

/* Moves the database and the seal file aside and renames the checked
 * copy into place. Puts back what it moved when a later step fails. */
static int switch_files(const restore_options *o, const char *partial, restore_report *rep, char *err,
                        size_t errsz)
{
    char msg[300];
    int rc = -1;
    if (rep->kept_seal[0] && rename(o->seal_file, rep->kept_seal) != 0) {
        fail(err, errsz, "无法移开检查点文件 %s（%s）：若它设了 chattr +a，请先 chattr -a，恢复后再对新文件 chattr +a",
             o->seal_file, strerror(errno));
        goto out;
    }
    if (rep->kept[0] && dbfile_move_aside(o->db_path, rep->kept, msg, sizeof msg) != 0) {
        fail(err, errsz, "%s", msg);
        goto put_back_seal;
    }
    if (dbfile_install(partial, o->db_path, 1) != 0) {
        fail(err, errsz, "无法把恢复的数据库改名为 %s: %s", o->db_path, strerror(errno));
        if (rep->kept[0] && dbfile_move_aside(rep->kept, o->db_path, msg, sizeof msg) != 0)
            fprintf(stderr, "minsheng: %s\n", msg);
        goto put_back_seal;
    }
    rc = 0;
    goto out;
put_back_seal:
    if (rep->kept_seal[0])
        rename(rep->kept_seal, o->seal_file);
out:
    return rc;
}

/* The restore's audit row (detail: what was restored from where) and a
 * fresh checkpoint, on the restored database. */
static int record_restore(const restore_options *o, char *detail, restore_report *rep, char *err, size_t errsz)
{
    char msg[300];
    db_conn *db = db_open(o->db_path, msg, sizeof msg);
    if (!db)
        return fail(err, errsz, "%s", msg);
    int rc = -1;
    if (db_migrate(db, msg, sizeof msg) != 0) {
        fail(err, errsz, "%s", msg);
        goto out;
    }
    utf8_trim_partial(detail);
    audit_entry e = {.action = "restore", .entity = "database", .detail = detail};
    if (db_begin(db) != DB_DONE || audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        fail(err, errsz, "已恢复，但未能写入审计记录");
        goto out;
    }
    ms_err cerr;
    rc = audit_checkpoint(db, o->seal_file, &rep->seal, &cerr);
    if (rc != 0)
        fail(err, errsz, "已恢复并记入审计日志，但未能封存检查点：%s", cerr.message);
out:
    db_close(db);
    return rc;
}

/* Loads the key the restored database will be verified with. */
static int load_key(const restore_options *o, restore_report *rep, char *err, size_t errsz)
{
    ms_err kerr;
    keys_path(o->db_path, o->key_file, rep->key_path, sizeof rep->key_path);
    if (keys_load(o->db_path, o->key_file, &kerr) == 0)
        return 0;
    if (kerr.kind == ERR_NOT_FOUND)
        return fail(err, errsz,
                    "密钥文件 %s 不存在：恢复前请把该数据库原来的密钥文件放回这里（或用 --key-file 指定），"
                    "没有它无法校验备份的审计日志",
                    rep->key_path);
    return fail(err, errsz, "%s", kerr.message);
}

int restore_run(const restore_options *o, restore_report *rep, char *err, size_t errsz)
{
    char msg[1024], partial[4200], stamp[32], old_head[64];
    memset(rep, 0, sizeof *rep);
    int lock = dbfile_lock(o->db_path, msg, sizeof msg);
    if (lock < 0)
        return fail(err, errsz, "%s%s", msg, lock == -2 ? "；请先停止服务再恢复" : "");
    int rc = -1;
    int have_db = dbfile_exists(o->db_path);
    if (load_key(o, rep, err, errsz) != 0)
        goto out;
    if (have_db && !o->force) {
        fail(err, errsz, "数据库 %s 已存在：恢复会替换它（原文件改名保留），确认请加 --force", o->db_path);
        goto out;
    }
    dbfile_remove_stale_partials(o->db_path);
    dbfile_partial_name(o->db_path, partial, sizeof partial);
    dbfile_temp_guard(partial);
    if (dbfile_copy(o->backup, partial, msg, sizeof msg) != 0) {
        fail(err, errsz, "%s", msg);
        goto out_partial;
    }
    /* The copy is what gets installed, so the copy is what is checked. */
    if (backup_check_file(partial, o->backup, rep->key_path, &rep->check, msg, sizeof msg) != 0) {
        fail(err, errsz, "%s；未作任何替换", msg);
        goto out_partial;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    old_head[0] = '\0';
    if (have_db) {
        kept_name(o->db_path, stamp, rep->kept, sizeof rep->kept);
        retire_current(o->db_path, old_head, sizeof old_head);
    }
    if (dbfile_exists(o->seal_file))
        kept_name(o->seal_file, stamp, rep->kept_seal, sizeof rep->kept_seal);
    /* From the switch to the audit row, Ctrl-C waits: an interrupted
     * switch would leave no database, an interrupted record no trace. */
    dbfile_signals_hold();
    if (switch_files(o, partial, rep, err, errsz) != 0) {
        dbfile_signals_release();
        goto out_partial;
    }
    dbfile_temp_release(0);
    char detail[1200];
    snprintf(detail, sizeof detail, "从备份 %.300s 恢复（备份中审计记录至第 %lld 行）；原数据库%s%.300s%s%s；原检查点文件%s%.300s",
             o->backup, (long long)rep->check.audit_head_id, rep->kept[0] ? "保留为 " : "不存在", rep->kept,
             old_head[0] ? "，其链头 " : "", old_head, rep->kept_seal[0] ? "移为 " : "不存在", rep->kept_seal);
    rc = record_restore(o, detail, rep, err, errsz);
    dbfile_signals_release();
    goto out;
out_partial:
    dbfile_temp_release(1);
out:
    dbfile_unlock(lock);
    return rc;
}

/* ---- PostgreSQL: pg_dump and pg_restore ------------------------------------------ */

/* The last line of a program's output (its error), for a message. */
static const char *last_line(strbuf *out)
{
    if (!out->data)
        return "（无输出）";
    size_t n = out->len;
    while (n && (out->data[n - 1] == '\n' || out->data[n - 1] == '\r'))
        out->data[--n] = '\0';
    char *nl = strrchr(out->data, '\n');
    return nl ? nl + 1 : out->data;
}

/* Tables whose data an archive of a minsheng database must hold. */
static const char *const ARCHIVE_TABLES[] = {"schema_migrations", "audit_log", "resident", "household", NULL};

int backup_pg_check_archive(const char *file, int *entries, char *err, size_t errsz)
{
    strbuf out = STRBUF_INIT;
    char msg[512];
    const char *args[] = {"--list", file, NULL};
    *entries = 0;
    int rc = pg_tool_run("pg_restore", NULL, args, &out, msg, sizeof msg);
    if (rc != 0) {
        rc = rc < 0 ? fail(err, errsz, "%s", msg)
                    : fail(err, errsz, "%s 不是可读的 pg_dump 自定义格式归档（pg_restore --list：%s）", file, last_line(&out));
        sb_free(&out);
        return rc;
    }
    /* One line per archived object, "ID; 0 OID TYPE SCHEMA NAME OWNER"; comments start with ';'. */
    for (char *line = out.data; line && *line;) {
        char *nl = strchr(line, '\n');
        if (*line != ';' && *line != '\n')
            (*entries)++;
        line = nl ? nl + 1 : NULL;
    }
    for (size_t i = 0; ARCHIVE_TABLES[i]; i++) {
        char want[64];
        snprintf(want, sizeof want, " TABLE DATA public %s ", ARCHIVE_TABLES[i]);
        if (!out.data || !strstr(out.data, want)) {
            sb_free(&out);
            return fail(err, errsz, "%s 不是 minsheng 数据库的归档（没有 %s 表的数据）", file, ARCHIVE_TABLES[i]);
        }
    }
    sb_free(&out);
    return 0;
}

/* The figures the backup reports, read from the database just before
 * pg_dump starts (its snapshot is a moment later). */
static int pg_figures(db_conn *db, backup_pg_report *rep)
{
    char hash[AUDIT_HASH_HEX];
    rep->schema = db_schema_version(db);
    rep->audit_rows = db_one_int(db, -1, "SELECT COUNT(*) FROM audit_log");
    if (audit_chain_head(db, &rep->audit_head_id, hash) != 0 || rep->audit_rows < 0 ||
        resident_count(db, &rep->residents, &rep->residents_active) != 0)
        return -1;
    return 0;
}

int backup_pg_run(db_conn *db, const char *conninfo, const char *dest, int overwrite, backup_pg_report *rep,
                  char *err, size_t errsz)
{
    char partial[4200], msg[512], detail[400];
    strbuf out = STRBUF_INIT;
    struct stat st;
    memset(rep, 0, sizeof *rep);
    if (!overwrite && dbfile_exists(dest))
        return fail(err, errsz, "备份文件 %s 已存在，不会覆盖（确需覆盖请加 --force）", dest);
    if (pg_figures(db, rep) != 0)
        return fail(err, errsz, "无法读取数据库的居民数和审计记录：%s", db_errmsg(db));
    rep->stale_removed = dbfile_remove_stale_partials(dest);
    dbfile_partial_name(dest, partial, sizeof partial);
    dbfile_temp_guard(partial);
    mode_t old_mask = umask(077);   /* the archive holds every record: never readable by others */
    /* -w: never ask for a password (there is no terminal to ask on). */
    const char *args[] = {"--format=custom", "--no-password", "--file", partial, NULL};
    int rc = pg_tool_run("pg_dump", conninfo, args, &out, msg, sizeof msg);
    umask(old_mask);
    if (rc != 0) {
        rc = rc < 0 ? fail(err, errsz, "%s", msg)
                    : fail(err, errsz, "pg_dump 失败（退出码 %d）：%s", rc, last_line(&out));
    } else if (chmod(partial, 0600) != 0 || dbfile_fsync(partial) != 0 || stat(partial, &st) != 0) {
        rc = fail(err, errsz, "无法写入 %s: %s", partial, strerror(errno));
    } else if (backup_pg_check_archive(partial, &rep->entries, msg, sizeof msg) != 0) {
        rc = fail(err, errsz, "pg_dump 的归档校验未通过：%s", msg);
    } else {
        rep->bytes = (long long)st.st_size;
        int inst = dbfile_install(partial, dest, overwrite);
        if (inst == -2)
            rc = fail(err, errsz, "备份文件 %s 已存在，不会覆盖（确需覆盖请加 --force）", dest);
        else if (inst != 0)
            rc = fail(err, errsz, "无法把备份改名为 %s: %s", dest, strerror(errno));
    }
    sb_free(&out);
    dbfile_temp_release(rc != 0);
    if (rc != 0)
        return -1;
    snprintf(detail, sizeof detail, "pg_dump 自定义格式备份到 %.300s（%lld 字节，居民 %lld 人，审计记录至第 %lld 行）", dest,
             rep->bytes, (long long)rep->residents, (long long)rep->audit_head_id);
    audit_backup(db, detail);
    return 0;
}

/* Relations in the target's public schema (-1: it cannot be read). */
static int64_t pg_relations(const char *conninfo, char *err, size_t errsz)
{
    db_conn *db = db_open(conninfo, err, errsz);
    if (!db)
        return -1;
    int64_t n = db_one_int(db, -1, SQL_PG_RELATIONS);
    if (n < 0)
        fail(err, errsz, "无法读取目标数据库：%s", db_errmsg(db));
    db_close(db);
    return n;
}

/* The restored database checked as a backup file is (check_contents). */
static int check_restored(const restore_options *o, restore_report *rep, char *err, size_t errsz)
{
    char msg[512];
    db_conn *db = db_open(o->db_path, msg, sizeof msg);
    if (!db)
        return fail(err, errsz, "%s", msg);
    int rc = check_contents(db, o->backup, rep->key_path, &rep->check, err, errsz);
    db_close(db);
    return rc;
}

int restore_pg_run(const restore_options *o, restore_report *rep, char *err, size_t errsz)
{
    char msg[1024], detail[1200];
    int entries;
    strbuf out = STRBUF_INIT;
    memset(rep, 0, sizeof *rep);
    if (load_key(o, rep, err, errsz) != 0)
        return -1;
    if (backup_pg_check_archive(o->backup, &entries, msg, sizeof msg) != 0)
        return fail(err, errsz, "%s；未作任何改动", msg);
    int64_t rels = pg_relations(o->db_path, msg, sizeof msg);
    if (rels < 0)
        return fail(err, errsz, "%s", msg);
    if (rels > 0 && !o->force)
        return fail(err, errsz,
                    "目标数据库不是空的（public 模式里已有 %lld 个表、索引或序列）：请恢复到一个新建的空数据库"
                    "（createdb -T template0 --locale=C -E UTF8 …），确需覆盖其中同名对象请加 --force",
                    (long long)rels);
    /* One transaction: a failed restore leaves the target as it was. */
    const char *args[10] = {"--no-password", "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges"};
    size_t n = 5;
    if (rels > 0) {
        args[n++] = "--clean";
        args[n++] = "--if-exists";
    }
    args[n++] = o->backup;
    args[n] = NULL;
    int rc = pg_tool_run("pg_restore", o->db_path, args, &out, msg, sizeof msg);
    if (rc != 0) {
        rc = rc < 0 ? fail(err, errsz, "%s", msg)
                    : fail(err, errsz, "pg_restore 失败（退出码 %d），目标数据库未改动：%s", rc, last_line(&out));
        sb_free(&out);
        return -1;
    }
    sb_free(&out);
    if (check_restored(o, rep, msg, sizeof msg) != 0)
        return fail(err, errsz, "已用 pg_restore 恢复，但恢复的数据库校验未通过，请勿使用它：%s", msg);
    /* The seal file's checkpoints after the archive was made name rows
     * the restored chain does not have: it goes aside, as on SQLite. */
    if (dbfile_exists(o->seal_file)) {
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        kept_name(o->seal_file, stamp, rep->kept_seal, sizeof rep->kept_seal);
        if (rename(o->seal_file, rep->kept_seal) != 0)
            return fail(err, errsz, "已恢复，但无法移开检查点文件 %s（%s）：若它设了 chattr +a，请先 chattr -a", o->seal_file,
                        strerror(errno));
    }
    snprintf(detail, sizeof detail,
             "从 pg_dump 自定义格式归档 %.300s 恢复（%d 个对象，审计记录至第 %lld 行）到%s数据库；原检查点文件%s%.300s",
             o->backup, entries, (long long)rep->check.audit_head_id, rels > 0 ? "覆盖同名对象的" : "空",
             rep->kept_seal[0] ? "移为 " : "不存在", rep->kept_seal);
    return record_restore(o, detail, rep, err, errsz);
}
