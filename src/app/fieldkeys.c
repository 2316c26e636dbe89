/* fieldkeys.c — conversion and re-encryption passes over every encrypted
 * column (see fieldkeys.h). */
#include "app/fieldkeys.h"
#include "assistance/relative.h"
#include "assistance/payment.h"
#include "auth/totp.h"
#include "core/audit.h"
#include "mediation/mediation.h"
#include "mediation/mediator.h"
#include "demands/order.h"
#include "registry/household.h"
#include "registry/org.h"
#include "registry/resident.h"
#include "safety/enterprise.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A table: either its own pass and status (resident: five columns and
 * two blind indexes per row) or one fc_column_sql column. */
static const struct crypt_table {
    const char *table;
    int (*pass)(db_conn *db, int64_t *cursor, int limit);
    int (*status)(db_conn *db, crypt_status *out);
    const fc_column_sql *column;
} TABLES[] = {
    {"resident", resident_crypt_pass, resident_crypt_status, NULL},
    {"household", NULL, NULL, &household_phone_crypt},
    {"org_unit", NULL, NULL, &org_leader_phone_crypt},
    {"user_totp", NULL, NULL, &totp_secret_crypt},
    /* the relative's ID number and its blind index, recomputed like resident's */
    {"assistance_relative", relative_crypt_pass, relative_crypt_status, NULL},
    {"assistance_case", NULL, NULL, &pay_case_account_crypt},
    {"assistance_payment_line", NULL, NULL, &pay_line_account_crypt},
    {"safety_enterprise", NULL, NULL, &enterprise_phone_crypt},
    /* people's mediation: the mediators' and the parties' phones, outsiders' ID numbers */
    {"mediator", NULL, NULL, &med_mediator_phone_crypt},
    {"mediation_party", NULL, NULL, &med_party_phone_crypt},
    {"mediation_party.id_number", NULL, NULL, &med_party_id_crypt},
    /* the work order reporter's phone and its blind index (demands) */
    {"demand_order", NULL, NULL, &order_phone_crypt},
};
#define NTABLES (sizeof TABLES / sizeof TABLES[0])

static int table_status(db_conn *db, const struct crypt_table *t, crypt_status *st)
{
    return t->status ? t->status(db, st) : fc_column_status(db, t->column, st);
}

static int table_pass(db_conn *db, const struct crypt_table *t, int64_t *cursor, int limit)
{
    return t->pass ? t->pass(db, cursor, limit) : fc_column_pass(db, t->column, cursor, limit);
}

int64_t fieldkeys_pending(db_conn *db)
{
    int64_t n = 0;
    for (size_t i = 0; i < NTABLES; i++) {
        crypt_status st;
        if (table_status(db, &TABLES[i], &st) != 0)
            return -1;
        n += st.plain + st.older;
    }
    return n;
}

static const char *const SQL_SETTLED = "SELECT generation FROM field_crypt_state WHERE id = 1";
static const char *const SQL_SETTLE =
    "INSERT INTO field_crypt_state(id, generation) VALUES (1, ?)"
    " ON CONFLICT(id) DO UPDATE SET generation = excluded.generation";

int fieldkeys_settled(db_conn *db)
{
    unsigned gens[KEYS_MAX_GENERATIONS];
    if (keys_generations(gens) != 1)
        return 0;
    return db_one_int(db, 0, SQL_SETTLED) == (int64_t)keys_generation();
}

int fieldkeys_status(db_conn *db, void (*fn)(const char *table, const crypt_status *st, void *ctx), void *ctx)
{
    for (size_t i = 0; i < NTABLES; i++) {
        crypt_status st;
        if (table_status(db, &TABLES[i], &st) != 0)
            return -1;
        fn(TABLES[i].table, &st, ctx);
    }
    return 0;
}

/* Test builds only: MINSHENG_TEST_KILL_AFTER_BATCHES=N sends this process
 * SIGKILL after N committed batches, so a test can show that a rotation
 * or conversion cut short anywhere loses nothing and resumes. */
static void maybe_die(long batches)
{
#ifdef MS_TEST_BUILD
    const char *v = getenv("MINSHENG_TEST_KILL_AFTER_BATCHES");
    if (v && *v && batches >= atol(v))
        raise(SIGKILL);
#else
    (void)batches;
#endif
}

int fieldkeys_reencrypt(db_conn *db, int batch, const char *action, int64_t *done, ms_err *err)
{
    long batches = 0;
    *done = 0;
    if (!keys_generation())
        return err_set(err, ERR_INVALID, "key_file", "没有载入数据密钥");
    /* SQLite-only: the freed pages of the wiped plaintext are zeroed.
     * PostgreSQL has no such setting (old row versions go at VACUUM). */
    int sqlite = !db_conn_is_postgres(db);
    if (sqlite)
        db_exec(db, "PRAGMA secure_delete = ON");
    for (size_t i = 0; i < NTABLES; i++) {
        int64_t cursor = 0;
        for (;;) {
            if (db_begin(db) != DB_DONE)
                return err_set(err, ERR_BUSY, NULL, "数据库忙，请稍后重试");
            int n = table_pass(db, &TABLES[i], &cursor, batch);
            if (n < 0 || db_commit(db) != DB_DONE) {
                db_rollback(db);
                return err_set(err, ERR_DB, NULL, "加密 %s 表时出错（已完成的批次保留，重新运行可继续）", TABLES[i].table);
            }
            if (n == 0)
                break;
            *done += n;
            maybe_die(++batches);
        }
    }
    if (db_begin(db) != DB_DONE || db_exec_args(db, SQL_SETTLE, DB_INT(keys_generation())) != DB_DONE ||
        db_commit(db) != DB_DONE) {
        db_rollback(db);
        return err_set(err, ERR_DB, NULL, "无法记录加密状态");
    }
    if (*done) {
        char detail[160];
        snprintf(detail, sizeof detail, "以第 %u 代数据密钥加密敏感字段 %lld 行（身份证号、电话、残疾信息、动态验证码密钥）",
                 keys_generation(), (long long)*done);
        audit_entry e = {.action = action, .entity = "database", .detail = detail};
        if (db_begin(db) != DB_DONE || audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
            db_rollback(db);
            return err_set(err, ERR_DB, NULL, "写审计记录失败");
        }
    }
    /* The log may still hold pages with the old bytes: copy back and empty
     * it. SQLite-only: PostgreSQL has no WAL file of ours to empty. */
    if (sqlite)
        db_checkpoint_truncate(db);
    return 0;
}
