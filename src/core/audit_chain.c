/* audit_chain.c — checking and maintaining the audit chain (see
 * audit.h): `minsheng audit verify`, checkpoints in the append-only
 * seal file, and the retention purge with its anchor. */
#include "core/audit.h"
#include "core/keys.h"
#include "util/validate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const SQL_ANCHORS =
    "SELECT id, through_id, row_hash, purged_at, purged_rows, mac FROM audit_anchor ORDER BY id";
static const char *const SQL_ROWS = "SELECT " AUDIT_CHAIN_COLUMNS ", prev_hash, row_hash FROM audit_log ORDER BY id";
static const char *const SQL_ROW_HASH = "SELECT row_hash FROM audit_log WHERE id = ?";
static const char *const SQL_FIRST_KEPT = "SELECT MIN(id) FROM audit_log WHERE at >= ?";
static const char *const SQL_MAX_ID = "SELECT MAX(id) FROM audit_log";
static const char *const SQL_COUNT_UPTO = "SELECT COUNT(*) FROM audit_log WHERE id <= ?";
static const char *const SQL_INSERT_ANCHOR =
    "INSERT INTO audit_anchor(through_id, row_hash, purged_at, purged_rows, mac) VALUES (?,?,?,?,?)";
static const char *const SQL_DELETE_UPTO = "DELETE FROM audit_log WHERE id <= ?";

#define SEAL_TAG "minsheng-audit-seal v1"
enum { COL_PREV = 13, COL_HASH = 14 };

char *audit_seal_path(const char *db_path, const char *seal_path, char *out, size_t outsz)
{
    if (seal_path && *seal_path)
        snprintf(out, outsz, "%s", seal_path);
    else
        snprintf(out, outsz, "%s.audit-seal", db_path ? db_path : "minsheng.db");
    return out;
}

char *audit_day_start_utc(const char *ymd, int add_days, char out[static 21])
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_mday += add_days;
    return audit_iso_utc(timegm(&tm) - 8 * 3600, out);   /* Beijing midnight, UTC+8 all year */
}

/* ---- checkpoints -------------------------------------------------------------- */

/* The MAC'd text of a seal line (without the trailing MAC). */
static void seal_text(const char *at, int64_t id, const char *hash, char *out, size_t outsz)
{
    snprintf(out, outsz, SEAL_TAG " %s %lld %s", at, (long long)id, hash);
}

int audit_checkpoint(db_conn *db, const char *seal_file, audit_seal *out, ms_err *err)
{
    char text[160], mac[AUDIT_HASH_HEX];
    memset(out, 0, sizeof *out);
    if (audit_chain_head(db, &out->last_id, out->hash) != 0)
        return err_set(err, ERR_CONFLICT, NULL, "审计日志最新一行没有链哈希，不能封存；请运行 minsheng audit verify");
    audit_iso_utc(time(NULL), out->at);
    seal_text(out->at, out->last_id, out->hash, text, sizeof text);
    if (audit_text_mac(text, mac) != 0)
        return err_set(err, ERR_INVALID, NULL, "未载入密钥，不能封存检查点");
    snprintf(out->line, sizeof out->line, "%s %s\n", text, mac);
    int fd = open(seal_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(err, ERR_INVALID, "seal", "无法打开检查点文件 %s: %s", seal_file, strerror(errno));
    size_t n = strlen(out->line);
    int ok = write(fd, out->line, n) == (ssize_t)n && fsync(fd) == 0;
    if (close(fd) != 0 || !ok)
        return err_set(err, ERR_INVALID, "seal", "无法写入检查点文件 %s", seal_file);
    return 0;
}

/* ---- verify ------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int broken(audit_verify_report *rep, int64_t id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->problem, sizeof rep->problem, fmt, ap);
    va_end(ap);
    utf8_trim_partial(rep->problem);
    rep->bad_id = id;
    return 1;
}

static void anchor_text(int64_t through, const char *hash, const char *at, int64_t rows, char *out, size_t outsz)
{
    snprintf(out, outsz, "minsheng-audit-anchor v1 %lld %s %s %lld", (long long)through, hash, at, (long long)rows);
}

/* Checks every purge anchor's MAC; the newest gives where the chain
 * starts (*through, its hash in prev). 0 intact, 1 broken. */
static int check_anchors(db_conn *db, audit_verify_report *rep, int64_t *through, char prev[static AUDIT_HASH_HEX])
{
    int rc = 0;
    db_stmt *s = db_query(db, SQL_ANCHORS);
    while (rc == 0 && db_step(s) == DB_ROW) {
        char text[300], mac[AUDIT_HASH_HEX];
        anchor_text(db_col_int(s, 1), db_col_text(s, 2), db_col_text(s, 3), db_col_int(s, 4), text, sizeof text);
        audit_text_mac(text, mac);
        rep->anchors++;
        if (strcmp(mac, db_col_text(s, 5)) != 0) {
            rc = broken(rep, 0, "清理锚点第 %lld 条被篡改（校验值不符），无法确定链的起点", (long long)db_col_int(s, 0));
        } else if (db_col_int(s, 1) > *through) {
            *through = db_col_int(s, 1);
            db_col_copy(s, 2, prev, AUDIT_HASH_HEX);
        }
    }
    db_finalize(s);
    return rc;
}

/* One row against the chain so far. 0 intact, 1 broken. */
static int check_row(db_stmt *s, int64_t expect_id, const char *expect_prev, audit_verify_report *rep)
{
    int64_t id = db_col_int(s, 0);
    char mac[AUDIT_HASH_HEX];
    if (id > expect_id && id == expect_id + 1)
        return broken(rep, expect_id, "第 %lld 行已被删除（第 %lld 行之前缺一行）", (long long)expect_id, (long long)id);
    if (id > expect_id)
        return broken(rep, expect_id, "第 %lld 至 %lld 行已被删除（第 %lld 行之前缺 %lld 行）", (long long)expect_id,
                      (long long)id - 1, (long long)id, (long long)(id - expect_id));
    if (db_col_is_null(s, COL_HASH))
        return broken(rep, id, "第 %lld 行没有链哈希：是在程序之外插入的记录", (long long)id);
    audit_row_mac(s, 0, db_col_is_null(s, COL_PREV) ? NULL : db_col_text(s, COL_PREV), mac);
    int prev_ok = strcmp(db_col_text(s, COL_PREV), expect_prev) == 0;
    if (strcmp(mac, db_col_text(s, COL_HASH)) != 0)
        return prev_ok ? broken(rep, id, "第 %lld 行的内容被修改（与其校验值不符）", (long long)id)
                       : broken(rep, id, "第 %lld 行是插入或替换的伪造记录（校验值不符，且不接在前一行之后）", (long long)id);
    if (!prev_ok)
        return broken(rep, id, "第 %lld 行不接在前一行之后（顺序被打乱，或前一行被替换）", (long long)id);
    return 0;
}

/* One seal line against the table. 0 intact, 1 broken. */
static int check_seal(db_conn *db, const char *line, long lineno, int64_t through, const char *through_hash,
                      audit_verify_report *rep)
{
    char at[32], hash[80], mac[80], text[200], want[AUDIT_HASH_HEX], have[AUDIT_HASH_HEX];
    long long id;
    if (sscanf(line, SEAL_TAG " %31s %lld %79s %79s", at, &id, hash, mac) != 4)
        return broken(rep, 0, "检查点文件第 %ld 行无法识别", lineno);
    seal_text(at, id, hash, text, sizeof text);
    audit_text_mac(text, want);
    if (strcmp(want, mac) != 0)
        return broken(rep, 0, "检查点文件第 %ld 行的校验值不符（被篡改，或不是用这个密钥封存的）", lineno);
    rep->seals++;
    if (id == 0 || id < through)
        return 0;   /* an empty chain, or rows purged since */
    if (id == through)
        return strcmp(hash, through_hash) == 0
                   ? 0
                   : broken(rep, id, "第 %lld 行与检查点（%s）记录的哈希不符", id, at);
    if (id > rep->last_id)
        return broken(rep, rep->last_id + 1,
                      "第 %lld 至 %lld 行已被删除：检查点（%s）记录的链头是第 %lld 行，现在最新的是第 %lld 行",
                      (long long)rep->last_id + 1, id, at, id, (long long)rep->last_id);
    if (!db_one_text(db, have, sizeof have, SQL_ROW_HASH, DB_INT(id)) || strcmp(have, hash) != 0)
        return broken(rep, id, "第 %lld 行与检查点（%s）记录的哈希不符", id, at);
    return 0;
}

static int check_seals(db_conn *db, const char *seal_file, int64_t through, const char *through_hash,
                       audit_verify_report *rep)
{
    FILE *f = fopen(seal_file, "r");
    char line[512];
    long lineno = 0;
    int rc = 0;
    if (!f) {
        rep->seal_file_missing = 1;
        return 0;
    }
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] != '\n')
            rc = check_seal(db, line, lineno, through, through_hash, rep);
    }
    fclose(f);
    return rc;
}

int audit_verify(db_conn *db, const char *seal_file, audit_verify_report *rep, ms_err *err)
{
    char prev[AUDIT_HASH_HEX], through_hash[AUDIT_HASH_HEX];
    int64_t through = 0;
    memset(rep, 0, sizeof *rep);
    if (!keys_subkey(KEY_AUDIT))
        return err_set(err, ERR_INVALID, NULL, "未载入密钥，无法校验审计日志");
    memset(prev, '0', AUDIT_HASH_HEX - 1);
    prev[AUDIT_HASH_HEX - 1] = '\0';
    if (check_anchors(db, rep, &through, prev))
        return 1;
    memcpy(through_hash, prev, sizeof prev);
    rep->last_id = through;
    int rc = 0;
    db_stmt *s = db_query(db, SQL_ROWS);
    while (rc == 0 && db_step(s) == DB_ROW) {
        rc = check_row(s, rep->last_id + 1, prev, rep);
        if (rc == 0) {
            rep->last_id = db_col_int(s, 0);
            if (!rep->rows++)
                rep->first_id = rep->last_id;
            db_col_copy(s, COL_HASH, prev, AUDIT_HASH_HEX);
        }
    }
    db_finalize(s);
    memcpy(rep->head_hash, prev, sizeof prev);
    if (rc == 0 && seal_file)
        rc = check_seals(db, seal_file, through, through_hash, rep);
    return rc;
}

/* ---- retention purge ----------------------------------------------------------- */

static int purge_rows(db_conn *db, const char *cutoff, audit_purge_report *rep, ms_err *err)
{
    char hash[AUDIT_HASH_HEX], now[21], text[300], mac[AUDIT_HASH_HEX], detail[300];
    int64_t first_kept = db_one_int(db, 0, SQL_FIRST_KEPT, DB_TEXT(cutoff));
    rep->through_id = first_kept ? first_kept - 1 : db_one_int(db, 0, SQL_MAX_ID);
    rep->purged = db_one_int(db, 0, SQL_COUNT_UPTO, DB_INT(rep->through_id));
    if (rep->purged == 0)
        return 0;
    db_one_text(db, hash, sizeof hash, SQL_ROW_HASH, DB_INT(rep->through_id));
    audit_iso_utc(time(NULL), now);
    anchor_text(rep->through_id, hash, now, rep->purged, text, sizeof text);
    audit_text_mac(text, mac);
    snprintf(detail, sizeof detail, "清理 %s（北京时间）之前的审计记录 %lld 条（至第 %lld 行）；链从锚点续接",
             rep->cutoff, (long long)rep->purged, (long long)rep->through_id);
    audit_entry e = {.action = "audit_purge", .entity = "audit_log", .detail = detail};
    if (db_exec_args(db, SQL_INSERT_ANCHOR, DB_INT(rep->through_id), DB_TEXT(hash), DB_TEXT(now),
                     DB_INT(rep->purged), DB_TEXT(mac)) != DB_DONE ||
        db_exec_args(db, SQL_DELETE_UPTO, DB_INT(rep->through_id)) != DB_DONE || audit_write(db, &e) != 0)
        return err_db(err);
    return 0;
}

int audit_purge(db_conn *db, const char *before_ymd, int min_days, time_t now, const char *seal_file,
                audit_purge_report *rep, ms_err *err)
{
    audit_verify_report vr;
    memset(rep, 0, sizeof *rep);
    if (!before_ymd || !date_is_valid(before_ymd))
        return err_set(err, ERR_INVALID, "before", "--before 应为 YYYY-MM-DD 格式的日期");
    if (min_days < AUDIT_RETENTION_MIN_DAYS)
        return err_set(err, ERR_INVALID, "min_days", "保留期不能短于 %d 天", AUDIT_RETENTION_MIN_DAYS);
    audit_day_start_utc(before_ymd, 0, rep->cutoff);
    /* The latest allowed --before: the Beijing date min_days ago. */
    time_t oldest_kept = now - (time_t)min_days * 86400;
    struct tm bj;
    char latest_day[11];
    time_t shifted = oldest_kept + 8 * 3600;
    gmtime_r(&shifted, &bj);
    strftime(latest_day, sizeof latest_day, "%Y-%m-%d", &bj);
    if (strcmp(before_ymd, latest_day) > 0)
        return err_set(err, ERR_INVALID, "before", "审计记录至少保留 %d 天：--before 最晚只能是 %s", min_days,
                       latest_day);
    int v = audit_verify(db, seal_file, &vr, err);
    if (v < 0)
        return -1;
    if (v > 0)
        return err_set(err, ERR_CONFLICT, NULL, "审计日志校验未通过，不能清理：%s", vr.problem);
    if (db_begin(db) != DB_DONE)
        return err_set(err, ERR_BUSY, NULL, "数据库繁忙，请稍后重试");
    if (purge_rows(db, rep->cutoff, rep, err) != 0) {
        db_rollback(db);
        return -1;
    }
    if (db_commit(db) != DB_DONE) {
        db_rollback(db);
        return err_db(err);
    }
    audit_seal seal;
    if (rep->purged && seal_file && audit_checkpoint(db, seal_file, &seal, err) != 0)
        return -1;
    return 0;
}
