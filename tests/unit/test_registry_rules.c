/* test_registry_rules.c — the registry's domain rules against a real
 * SQLite database, without HTTP: input checks, resident create / update /
 * move / status, the one-head rule, household move / close / update and
 * the resident history.
 *
 * Each test gets its own copy of a database holding the demo street's
 * org tree (no households) and one user, wraps every change in a
 * transaction as the API does (commit on success, rollback on refusal)
 * and checks the tables themselves, not only the return codes.
 *
 * The last two tests guard bugs found while writing these tests: a
 * member reopened into a closed household, and a move or close checked
 * on a snapshot taken before the transaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/users.h"
#include "core/actor.h"
#include "core/err.h"
#include "core/keys.h"
#include "demo/demo.h"
#include "registry/counts.h"
#include "registry/derived.h"
#include "registry/history.h"
#include "registry/household.h"
#include "registry/org.h"
#include "registry/registry.h"
#include "registry/resident.h"
#include "storage/db.h"
#include "workflow/calendar.h"
#include "util/idcard.h"

#define TODAY 20260301

static char tmpdir[256], template_path[512], test_path[512];
static db_conn *template_db;        /* org tree + one user, copied for each test */
static actor who;                   /* the acting user: registry_event.user_id */
static org_unit grid_a, grid_b;     /* two grids of the first community */
static org_unit building_a;         /* a building of grid_a */
static int id_seq;                  /* keeps generated ID numbers unique */

/* ---- database per test ----------------------------------------------------- */

static void remove_db(const char *path)
{
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static int group_setup(void **state)
{
    (void)state;
    char err[256] = "";
    ms_err e = {0};
    keys_load_ephemeral();   /* ID numbers, phones and disability are stored encrypted */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ms_test_rules_XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(template_path, sizeof template_path, "%s/template.db", tmpdir);
    template_db = db_open(template_path, err, sizeof err);
    demo_options o = {1, 0, TODAY, 1};
    if (!template_db || db_migrate(template_db, err, sizeof err) != 0 ||
        demo_build(template_db, &o, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "template database: %s\n", err);
        return -1;
    }
    int64_t uid = user_create(template_db, "rules_tester", "规则测试员", "admin", DEMO_STREET_CODE, DEMO_PASSWORD, &e);
    if (uid < 0 || user_load_ctx(template_db, uid, &who) != 0) {
        fprintf(stderr, "user_create: %s\n", e.message);
        return -1;
    }
    if (org_get_by_code(template_db, DEMO_STREET_CODE "001-01", &grid_a) != 0 ||
        org_get_by_code(template_db, DEMO_STREET_CODE "001-02", &grid_b) != 0 ||
        org_get_by_code(template_db, DEMO_STREET_CODE "001-01-B01", &building_a) != 0) {
        fprintf(stderr, "demo grids not found\n");
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    db_close(template_db);
    remove_db(template_path);
    rmdir(tmpdir);
    return 0;
}

static int db_setup(void **state)
{
    static int n;
    char err[256];
    snprintf(test_path, sizeof test_path, "%s/t%d.db", tmpdir, ++n);
    if (db_backup(template_db, test_path, err, sizeof err) != 0)
        return -1;
    db_conn *db = db_open(test_path, err, sizeof err);
    if (!db || db_migrate(db, err, sizeof err) != 0)
        return -1;
    *state = db;
    return 0;
}

static int db_teardown(void **state)
{
    db_close(*state);
    remove_db(test_path);
    return 0;
}

/* ---- reading the tables ------------------------------------------------------ */

/* table.column of row id; -1 when NULL or absent. */
static int64_t col_int(db_conn *db, const char *table, int64_t id, const char *column)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = ?", column, table);
    return db_one_int(db, -1, sql, DB_INT(id));
}

/* table.column of row id as text ("" when NULL); valid until the next call. */
static const char *col_text(db_conn *db, const char *table, int64_t id, const char *column)
{
    static char out[256];
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = ?", column, table);
    db_one_text(db, out, sizeof out, sql, DB_INT(id));
    return out;
}

static int is_null(db_conn *db, const char *table, int64_t id, const char *column)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE id = ? AND %s IS NULL", table, column);
    return db_exists(db, sql, DB_INT(id));
}

static int64_t events(db_conn *db, const char *entity, int64_t id, const char *kind)
{
    return db_one_int(db, -1, "SELECT COUNT(*) FROM registry_event WHERE entity = ? AND entity_id = ? AND kind = ?",
                      DB_TEXT(entity), DB_INT(id), DB_TEXT(kind));
}

static int64_t all_events(db_conn *db)
{
    return db_one_int(db, -1, "SELECT COUNT(*) FROM registry_event");
}

/* household.head_resident_id; 0 when none. */
static int64_t head_of(db_conn *db, int64_t household_id)
{
    return db_one_int(db, 0, "SELECT head_resident_id FROM household WHERE id = ?", DB_INT(household_id));
}

static int64_t active_heads(db_conn *db, int64_t household_id)
{
    return db_one_int(db, -1, "SELECT COUNT(*) FROM resident WHERE household_id = ? AND relation = '户主'"
                              " AND status = 'active'", DB_INT(household_id));
}

/* Where resident id is: household, grid and relation to the 户主. */
static void assert_placed(db_conn *db, int64_t id, int64_t household_id, int64_t grid_id, const char *relation)
{
    assert_int_equal(col_int(db, "resident", id, "household_id"), household_id);
    assert_int_equal(col_int(db, "resident", id, "grid_id"), grid_id);
    assert_string_equal(col_text(db, "resident", id, "relation"), relation);
}

static household get_household(db_conn *db, int64_t id)
{
    household h;
    assert_int_equal(household_get(db, id, &h), 0);
    return h;
}

/* ---- outcomes ------------------------------------------------------------------ */

/* As macros so that a failure names the test's line, not the helper's. */
#define assert_ok(rc, e) ok_at((rc), (e), __LINE__)
#define assert_refused(rc, e, kind, field) refused_at((rc), (e), (kind), (field), __LINE__)

static void ok_at(int rc, const ms_err *e, int line)
{
    if (rc != 0)
        fail_msg("line %d: refused: %s (field \"%s\")", line, e->message, e->field);
}

static void refused_at(int rc, const ms_err *e, err_kind kind, const char *field, int line)
{
    if (rc == 0)
        fail_msg("line %d: accepted; expected a refusal on field \"%s\"", line, field);
    if (rc != -1 || e->kind != kind || strcmp(e->field, field) != 0)
        fail_msg("line %d: returned %d, kind %d on field \"%s\" (%s); expected kind %d on field \"%s\"", line, rc,
                 (int)e->kind, e->field, e->message, (int)kind, field);
}

/* ---- changes, each in its own transaction on a fresh snapshot ------------------- */

static void begin(db_conn *db)
{
    assert_int_equal(db_begin(db), DB_DONE);
}

/* Commits after success, rolls back after a refusal; returns rc. */
static int end(db_conn *db, int rc)
{
    if (rc == 0)
        assert_int_equal(db_commit(db), DB_DONE);
    else
        db_rollback(db);
    return rc;
}

/* 371702 + birth (YYYYMMDD) + seq (odd: male) + check digit. */
static const char *make_id(char out[19], const char *birth, int seq)
{
    char first17[18];
    snprintf(first17, sizeof first17, "371702%.8s%03u", birth, (unsigned)seq % 1000u);
    snprintf(out, 19, "%s%c", first17, idcard_check_digit(first17));
    return out;
}

static const char *next_id(char out[19])
{
    return make_id(out, "19800101", ++id_seq);
}

static int64_t add_household(db_conn *db, const char *code, int64_t grid_id)
{
    household_input in = {.code = code, .grid_id = grid_id, .address = "菏泽市牡丹区中华路1号"};
    ms_err e;
    int64_t id = 0;
    assert_int_equal(household_input_check(&in, &e), 0);
    begin(db);
    assert_ok(end(db, household_create(db, &who, &in, &id, &e)), &e);
    return id;
}

static int create(db_conn *db, int64_t household_id, const resident_input *in, int64_t *id, ms_err *e)
{
    assert_int_equal(resident_input_check(in, TODAY, e), 0);
    begin(db);
    return end(db, resident_create(db, &who, household_id, in, id, e));
}

static int64_t add_resident(db_conn *db, int64_t household_id, const char *name, const char *relation)
{
    char idn[19];
    resident_input in = {.id_number = next_id(idn), .name = name, .relation = relation};
    int64_t id = 0;
    ms_err e;
    assert_ok(create(db, household_id, &in, &id, &e), &e);
    return id;
}

static int set_relation(db_conn *db, int64_t id, const char *relation, ms_err *e)
{
    resident_change c = {.in.relation = relation, .set = RC_RELATION};
    begin(db);
    return end(db, resident_update(db, &who, id, 0, &c, NULL, e));
}

static int move(db_conn *db, int64_t id, int64_t to_household, const char *relation, ms_err *e)
{
    begin(db);
    return end(db, resident_move(db, &who, id, 0, to_household, relation, NULL, e));
}

static int set_status(db_conn *db, int64_t id, const char *status, const char *date, const char *note, ms_err *e)
{
    begin(db);
    return end(db, resident_set_status(db, &who, id, 0, status, date, note, NULL, e));
}

static int move_household(db_conn *db, int64_t id, int64_t grid_id, int64_t building_id, const char *address,
                          ms_err *e)
{
    begin(db);
    return end(db, household_move(db, &who, id, 0, grid_id, building_id, address, NULL, e));
}

static int close_household(db_conn *db, int64_t id, const char *date, ms_err *e)
{
    begin(db);
    return end(db, household_close(db, &who, id, 0, date, "迁往外地", NULL, e));
}

static int set_head(db_conn *db, int64_t id, int64_t head, ms_err *e)
{
    household_change c = {.head_resident_id = head, .set = HC_HEAD};
    begin(db);
    return end(db, household_update(db, &who, id, 0, &c, NULL, e));
}

/* ---- input checks ---------------------------------------------------------------- */

/* n copies of the three-byte character 字. */
static const char *cjk_text(int n)
{
    static char buf[3 * 600 + 1];
    assert_true(n <= 600);
    buf[0] = '\0';
    for (int i = 0; i < n; i++)
        memcpy(buf + 3 * i, "字", 4);
    return buf;
}

static resident_input valid_input(char idn[19])
{
    return (resident_input){.id_number = next_id(idn), .name = "张三", .relation = "户主"};
}

static void test_input_check_bad_checksum_names_id_number(void **state)
{
    (void)state;
    char idn[19];
    ms_err e;
    resident_input in = valid_input(idn);
    assert_int_equal(resident_input_check(&in, TODAY, &e), 0);
    idn[17] = idn[17] == '0' ? '1' : '0';
    assert_refused(resident_input_check(&in, TODAY, &e), &e, ERR_INVALID, "id_number");
    assert_string_equal(e.message, idcard_status_message(IDCARD_BAD_CHECKSUM));
}

static void test_input_check_disability_type_needs_grade(void **state)
{
    (void)state;
    char idn[19];
    ms_err e;
    resident_input in = valid_input(idn);
    in.disability_type = "肢体";
    assert_refused(resident_input_check(&in, TODAY, &e), &e, ERR_INVALID, "disability_grade");
    in.disability_grade = 2;
    assert_int_equal(resident_input_check(&in, TODAY, &e), 0);
    in.disability_type = NULL;
    assert_refused(resident_input_check(&in, TODAY, &e), &e, ERR_INVALID, "disability_type");
    in.disability_type = "肢体";
    in.disability_grade = 5;
    assert_refused(resident_input_check(&in, TODAY, &e), &e, ERR_INVALID, "disability_grade");
}

static void test_input_check_unknown_tag(void **state)
{
    (void)state;
    char idn[19];
    ms_err e;
    resident_input in = valid_input(idn);
    in.tags[0] = "dibao";
    in.tags[1] = "退役军人";   /* a label is accepted as well as a code */
    in.ntags = 2;
    assert_int_equal(resident_input_check(&in, TODAY, &e), 0);
    in.tags[1] = "vip";
    assert_refused(resident_input_check(&in, TODAY, &e), &e, ERR_INVALID, "tags");
}

static void test_input_check_long_notes(void **state)
{
    (void)state;
    char idn[19];
    ms_err e;
    resident_input in = valid_input(idn);
    household_input h = {.code = "T-001", .grid_id = 1, .address = "菏泽市牡丹区中华路1号"};
    in.notes = h.notes = cjk_text(500);
    assert_int_equal(resident_input_check(&in, TODAY, &e), 0);
    assert_int_equal(household_input_check(&h, &e), 0);
    in.notes = h.notes = cjk_text(501);
    assert_refused(resident_input_check(&in, TODAY, &e), &e, ERR_INVALID, "notes");
    assert_refused(household_input_check(&h, &e), &e, ERR_INVALID, "notes");
}

/* ---- resident_create ---------------------------------------------------------------- */

static void test_create_derives_sex_and_birth_and_logs_actor(void **state)
{
    db_conn *db = *state;
    char woman[19], man[19];
    int64_t hh = add_household(db, "T-H1", grid_a.id), w = 0, m = 0;
    ms_err e;
    resident_input in = {.id_number = make_id(woman, "19900215", 2), .name = "李娜", .relation = "户主",
                         .tags = {"低保"}, .ntags = 1};
    assert_ok(create(db, hh, &in, &w, &e), &e);
    in = (resident_input){.id_number = make_id(man, "20010630", 7), .name = "李明"};
    assert_ok(create(db, hh, &in, &m, &e), &e);

    assert_string_equal(col_text(db, "resident", w, "sex"), "F");
    assert_string_equal(col_text(db, "resident", w, "birth_date"), "1990-02-15");
    assert_string_equal(col_text(db, "resident", m, "sex"), "M");
    assert_string_equal(col_text(db, "resident", m, "birth_date"), "2001-06-30");
    assert_string_equal(col_text(db, "resident", m, "relation"), "其他");
    assert_string_equal(col_text(db, "resident", m, "residence_status"), "户籍");
    assert_int_equal(col_int(db, "resident", w, "household_id"), hh);
    assert_int_equal(col_int(db, "resident", w, "grid_id"), grid_a.id);
    assert_string_equal(col_text(db, "resident", w, "status"), "active");
    assert_true(is_null(db, "resident", w, "status_date"));
    assert_true(db_exists(db, "SELECT 1 FROM resident_tag WHERE resident_id = ? AND tag = 'dibao'", DB_INT(w)));
    assert_int_equal(head_of(db, hh), w);
    const int64_t both[] = {w, m};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(events(db, "resident", both[i], "created"), 1);
        assert_true(db_exists(db, "SELECT 1 FROM registry_event WHERE entity = 'resident' AND entity_id = ?"
                                  " AND kind = 'created' AND user_id = ?", DB_INT(both[i]), DB_INT(who.id)));
    }
}

static void test_create_duplicate_id_number_conflicts(void **state)
{
    db_conn *db = *state;
    char idn[19];
    int64_t h1 = add_household(db, "T-H1", grid_a.id), h2 = add_household(db, "T-H2", grid_b.id), id = 0, again = 0;
    ms_err e;
    resident_input in = {.id_number = next_id(idn), .name = "张三"};
    assert_ok(create(db, h1, &in, &id, &e), &e);
    int64_t before = all_events(db);
    in.name = "李四";
    assert_refused(create(db, h1, &in, &again, &e), &e, ERR_CONFLICT, "id_number");
    assert_refused(create(db, h2, &in, &again, &e), &e, ERR_CONFLICT, "id_number");

    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM resident"), 1);
    assert_string_equal(col_text(db, "resident", id, "name"), "张三");
    assert_int_equal(col_int(db, "resident", id, "household_id"), h1);
    assert_int_equal(all_events(db), before);
}

/* Whether idn is registered: through its blind index (the number is encrypted). */
static int id_registered(db_conn *db, const char *idn)
{
    char bidx[FC_BLIND_HEX];
    assert_int_equal(fc_blind(FC_ID_NUMBER, idn, 0, bidx), 0);
    return db_exists(db, "SELECT 1 FROM resident WHERE id_number_bidx = ?", DB_TEXT(bidx));
}

static void test_create_into_closed_household_refused(void **state)
{
    db_conn *db = *state;
    char idn[19];
    int64_t hh = add_household(db, "T-H1", grid_a.id), id = 0;
    ms_err e;
    assert_ok(close_household(db, hh, "2026-01-10", &e), &e);
    int64_t before = all_events(db);
    resident_input in = {.id_number = next_id(idn), .name = "王五", .relation = "户主"};
    assert_refused(create(db, hh, &in, &id, &e), &e, ERR_INVALID, "household_id");
    assert_false(id_registered(db, idn));
    assert_int_equal(head_of(db, hh), 0);
    assert_int_equal(all_events(db), before);
}

/* ---- the one-head rule ------------------------------------------------------------------ */

static void test_head_rule_second_head_refused_on_create(void **state)
{
    db_conn *db = *state;
    char idn[19];
    int64_t hh = add_household(db, "T-H1", grid_a.id), id = 0;
    int64_t head = add_resident(db, hh, "王户主", "户主");
    int64_t before = all_events(db);
    ms_err e;
    resident_input in = {.id_number = next_id(idn), .name = "王二", .relation = "户主"};
    assert_refused(create(db, hh, &in, &id, &e), &e, ERR_INVALID, "relation");
    assert_false(id_registered(db, idn));
    assert_int_equal(head_of(db, hh), head);
    assert_int_equal(active_heads(db, hh), 1);
    assert_int_equal(all_events(db), before);
}

static void test_head_rule_second_head_refused_on_update(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t head = add_resident(db, hh, "王户主", "户主"), spouse = add_resident(db, hh, "赵配偶", "配偶");
    ms_err e;
    assert_refused(set_relation(db, spouse, "户主", &e), &e, ERR_INVALID, "relation");
    assert_string_equal(col_text(db, "resident", spouse, "relation"), "配偶");
    assert_int_equal(head_of(db, hh), head);
    assert_int_equal(active_heads(db, hh), 1);
    assert_int_equal(events(db, "resident", spouse, "updated"), 0);
}

static void test_head_rule_second_head_refused_on_move(void **state)
{
    db_conn *db = *state;
    int64_t h1 = add_household(db, "T-H1", grid_a.id), h2 = add_household(db, "T-H2", grid_b.id);
    int64_t a = add_resident(db, h1, "王户主", "户主"), b = add_resident(db, h2, "李户主", "户主");
    ms_err e;
    assert_refused(move(db, b, h1, "户主", &e), &e, ERR_INVALID, "relation");
    assert_placed(db, b, h2, grid_b.id, "户主");
    assert_int_equal(head_of(db, h1), a);
    assert_int_equal(head_of(db, h2), b);
    assert_int_equal(active_heads(db, h1), 1);
    assert_int_equal(events(db, "resident", b, "moved"), 0);
}

static void test_head_rule_new_head_of_headless_household(void **state)
{
    db_conn *db = *state;
    int64_t h1 = add_household(db, "T-H1", grid_a.id), h2 = add_household(db, "T-H2", grid_a.id);
    int64_t h3 = add_household(db, "T-H3", grid_b.id);
    ms_err e;
    /* created as 户主 next to a member who is not */
    add_resident(db, h1, "王子", "子");
    assert_int_equal(head_of(db, h1), 0);
    int64_t a = add_resident(db, h1, "王户主", "户主");
    assert_int_equal(head_of(db, h1), a);
    /* changed to 户主 */
    int64_t b = add_resident(db, h2, "李配偶", "配偶");
    assert_int_equal(head_of(db, h2), 0);
    assert_ok(set_relation(db, b, "户主", &e), &e);
    assert_int_equal(head_of(db, h2), b);
    /* moved in as 户主 */
    int64_t c = add_resident(db, h1, "王其他", NULL);
    assert_ok(move(db, c, h3, "户主", &e), &e);
    assert_int_equal(head_of(db, h3), c);
    assert_int_equal(head_of(db, h1), a);
}

static void test_head_rule_head_changed_to_spouse_stops_being_head(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王户主", "户主"), b = add_resident(db, hh, "赵配偶", "配偶");
    ms_err e;
    assert_ok(set_relation(db, a, "配偶", &e), &e);
    assert_true(is_null(db, "household", hh, "head_resident_id"));
    assert_int_equal(active_heads(db, hh), 0);
    /* the household has no 户主 now: another member may become it */
    assert_ok(set_relation(db, b, "户主", &e), &e);
    assert_int_equal(head_of(db, hh), b);
}

static void test_head_rule_moving_head_out_clears_old_head(void **state)
{
    db_conn *db = *state;
    int64_t h1 = add_household(db, "T-H1", grid_a.id), h2 = add_household(db, "T-H2", grid_b.id);
    int64_t a = add_resident(db, h1, "王户主", "户主"), b = add_resident(db, h2, "李户主", "户主");
    ms_err e;
    assert_ok(move(db, a, h2, NULL, &e), &e);
    assert_true(is_null(db, "household", h1, "head_resident_id"));
    assert_int_equal(head_of(db, h2), b);
    assert_placed(db, a, h2, grid_b.id, "其他");
    assert_int_equal(active_heads(db, h2), 1);
}

/* A 户主 who dies (or moves out) stops being the head, so the next 户主
 * becomes it. Failed before the fix in resident_set_status. */
static void test_head_rule_deceased_head_stops_being_head(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王户主", "户主");
    ms_err e;
    assert_ok(set_status(db, a, "deceased", "2026-01-05", NULL, &e), &e);
    assert_true(is_null(db, "household", hh, "head_resident_id"));
    int64_t b = add_resident(db, hh, "王新户主", "户主");
    assert_int_equal(head_of(db, hh), b);
}

/* Reopening a former 户主 must not give the household a second active
 * 户主. Failed before the fix in resident_set_status. */
static void test_head_rule_reopened_head_refused_when_household_has_head(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王户主", "户主");
    ms_err e;
    assert_ok(set_status(db, a, "deceased", "2026-01-05", NULL, &e), &e);
    int64_t b = add_resident(db, hh, "王新户主", "户主");
    assert_refused(set_status(db, a, "active", NULL, NULL, &e), &e, ERR_INVALID, "relation");
    assert_string_equal(col_text(db, "resident", a, "status"), "deceased");
    assert_int_equal(active_heads(db, hh), 1);
    assert_int_equal(head_of(db, hh), b);
    assert_int_equal(events(db, "resident", a, "reopened"), 0);
}

/* ---- resident_move ---------------------------------------------------------------------- */

static void test_move_to_same_or_closed_household_refused(void **state)
{
    db_conn *db = *state;
    int64_t h1 = add_household(db, "T-H1", grid_a.id), h2 = add_household(db, "T-H2", grid_b.id);
    int64_t a = add_resident(db, h1, "王五", "子");
    ms_err e;
    assert_ok(close_household(db, h2, "2026-01-10", &e), &e);
    assert_refused(move(db, a, h1, NULL, &e), &e, ERR_INVALID, "household_id");
    assert_refused(move(db, a, h2, NULL, &e), &e, ERR_INVALID, "household_id");
    assert_placed(db, a, h1, grid_a.id, "子");
    assert_int_equal(events(db, "resident", a, "moved"), 0);
}

static void test_move_changes_household_and_grid_and_logs_both_ends(void **state)
{
    db_conn *db = *state;
    int64_t h1 = add_household(db, "T-H1", grid_a.id), h2 = add_household(db, "T-H2", grid_b.id);
    int64_t a = add_resident(db, h1, "王五", "子");
    ms_err e;
    assert_ok(move(db, a, h2, "女婿", &e), &e);
    assert_placed(db, a, h2, grid_b.id, "女婿");
    assert_int_equal(events(db, "resident", a, "moved"), 1);
    assert_true(db_exists(db, "SELECT 1 FROM registry_event WHERE entity = 'resident' AND entity_id = ?"
                              " AND kind = 'moved' AND from_grid_id = ? AND to_grid_id = ?"
                              " AND from_household_id = ? AND to_household_id = ? AND user_id = ?",
                          DB_INT(a), DB_INT(grid_a.id), DB_INT(grid_b.id), DB_INT(h1), DB_INT(h2), DB_INT(who.id)));
}

/* ---- resident_set_status ------------------------------------------------------------------- */

static void test_status_deceased_date_defaults_to_today(void **state)
{
    db_conn *db = *state;
    char now[20], today[11];
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王五", "父亲"), b = add_resident(db, hh, "王六", "子");
    ms_err e;
    cal_local_date(db_now(now), today);   /* Beijing's day, as the default is (not UTC's: they differ 16:00–24:00 UTC) */
    assert_ok(set_status(db, a, "deceased", NULL, "病故", &e), &e);
    assert_string_equal(col_text(db, "resident", a, "status"), "deceased");
    assert_string_equal(col_text(db, "resident", a, "status_date"), today);
    assert_true(db_exists(db, "SELECT 1 FROM registry_event WHERE entity = 'resident' AND entity_id = ?"
                              " AND kind = 'deceased' AND event_date = ? AND note = '病故' AND user_id = ?",
                          DB_INT(a), DB_TEXT(today), DB_INT(who.id)));
    /* a given date is kept */
    assert_ok(set_status(db, b, "moved_out", "2025-12-01", NULL, &e), &e);
    assert_string_equal(col_text(db, "resident", b, "status"), "moved_out");
    assert_string_equal(col_text(db, "resident", b, "status_date"), "2025-12-01");
    assert_int_equal(events(db, "resident", b, "moved_out"), 1);
}

static void test_status_unchanged_refused(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王五", "父亲");
    ms_err e;
    int64_t before = all_events(db);
    assert_refused(set_status(db, a, "active", NULL, NULL, &e), &e, ERR_INVALID, "status");
    assert_string_equal(e.message, "状态未变化");
    assert_ok(set_status(db, a, "deceased", "2026-01-05", NULL, &e), &e);
    assert_refused(set_status(db, a, "deceased", "2026-02-01", NULL, &e), &e, ERR_INVALID, "status");
    assert_string_equal(e.message, "状态未变化");
    assert_string_equal(col_text(db, "resident", a, "status_date"), "2026-01-05");
    assert_int_equal(all_events(db), before + 1);
}

static void test_status_reopen_clears_date_and_logs_reopened(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王五", "父亲");
    ms_err e;
    assert_ok(set_status(db, a, "moved_out", "2026-01-05", NULL, &e), &e);
    assert_ok(set_status(db, a, "active", NULL, "误报迁出", &e), &e);
    assert_string_equal(col_text(db, "resident", a, "status"), "active");
    assert_true(is_null(db, "resident", a, "status_date"));
    assert_int_equal(events(db, "resident", a, "reopened"), 1);
    assert_true(db_exists(db, "SELECT 1 FROM registry_event WHERE entity = 'resident' AND entity_id = ?"
                              " AND kind = 'reopened' AND note = '误报迁出' AND user_id = ?",
                          DB_INT(a), DB_INT(who.id)));
}

/* ---- households ------------------------------------------------------------------------------ */

/* A household in grid_a: 户主 *head, 配偶 *spouse and a 父亲 who died
 * on 2025-12-01 (*dead). */
static int64_t family(db_conn *db, const char *code, int64_t *head, int64_t *spouse, int64_t *dead)
{
    int64_t hh = add_household(db, code, grid_a.id);
    ms_err e;
    *head = add_resident(db, hh, "陈户主", "户主");
    *spouse = add_resident(db, hh, "刘配偶", "配偶");
    *dead = add_resident(db, hh, "陈父", "父亲");
    assert_ok(set_status(db, *dead, "deceased", "2025-12-01", NULL, &e), &e);
    return hh;
}

static void test_household_move_members_follow_one_event_each(void **state)
{
    db_conn *db = *state;
    int64_t a, b, dead, hh = family(db, "T-H1", &a, &b, &dead);
    ms_err e;
    assert_ok(move_household(db, hh, grid_b.id, 0, "菏泽市牡丹区新路8号", &e), &e);
    assert_int_equal(col_int(db, "household", hh, "grid_id"), grid_b.id);
    assert_string_equal(col_text(db, "household", hh, "address"), "菏泽市牡丹区新路8号");
    /* resident.grid_id is the copy of household.grid_id: every member follows */
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM resident WHERE household_id = ? AND grid_id = ?",
                                DB_INT(hh), DB_INT(grid_b.id)), 3);
    /* one 'moved' row per active member, one for the household */
    assert_int_equal(events(db, "household", hh, "moved"), 1);
    assert_int_equal(events(db, "resident", dead, "moved"), 0);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM registry_event WHERE kind = 'moved'"), 3);
    const int64_t active[] = {a, b};
    for (size_t i = 0; i < 2; i++)
        assert_true(db_exists(db, "SELECT 1 FROM registry_event WHERE entity = 'resident' AND entity_id = ?"
                                  " AND kind = 'moved' AND from_grid_id = ? AND to_grid_id = ?"
                                  " AND from_household_id = ? AND to_household_id = ? AND user_id = ?",
                              DB_INT(active[i]), DB_INT(grid_a.id), DB_INT(grid_b.id), DB_INT(hh), DB_INT(hh),
                              DB_INT(who.id)));
    /* and back into a building of grid_a */
    assert_ok(move_household(db, hh, grid_a.id, building_a.id, "菏泽市牡丹区中华路1号", &e), &e);
    assert_int_equal(col_int(db, "household", hh, "building_id"), building_a.id);
    assert_int_equal(col_int(db, "resident", a, "grid_id"), grid_a.id);
}

static void test_household_move_closed_or_unchanged_refused(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王五", "户主");
    ms_err e;
    assert_refused(move_household(db, hh, grid_a.id, 0, "菏泽市牡丹区中华路1号", &e), &e, ERR_INVALID, "grid_id");
    assert_ok(close_household(db, hh, "2026-01-10", &e), &e);
    assert_refused(move_household(db, hh, grid_b.id, 0, "菏泽市牡丹区新路8号", &e), &e, ERR_INVALID, "");
    assert_int_equal(col_int(db, "household", hh, "grid_id"), grid_a.id);
    assert_int_equal(col_int(db, "resident", a, "grid_id"), grid_a.id);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM registry_event WHERE kind = 'moved'"), 0);
}

static void test_household_close_members_moved_out_deceased_stay(void **state)
{
    db_conn *db = *state;
    int64_t a, b, dead, hh = family(db, "T-H1", &a, &b, &dead);
    ms_err e;
    assert_ok(close_household(db, hh, "2026-02-01", &e), &e);
    assert_string_equal(col_text(db, "household", hh, "status"), "closed");
    const int64_t active[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        int64_t id = active[i];
        assert_string_equal(col_text(db, "resident", id, "status"), "moved_out");
        assert_string_equal(col_text(db, "resident", id, "status_date"), "2026-02-01");
        assert_true(db_exists(db, "SELECT 1 FROM registry_event WHERE entity = 'resident' AND entity_id = ?"
                                  " AND kind = 'moved_out' AND event_date = '2026-02-01' AND from_household_id = ?"
                                  " AND from_grid_id = ? AND to_household_id IS NULL AND user_id = ?",
                              DB_INT(id), DB_INT(hh), DB_INT(grid_a.id), DB_INT(who.id)));
    }
    assert_string_equal(col_text(db, "resident", dead, "status"), "deceased");
    assert_string_equal(col_text(db, "resident", dead, "status_date"), "2025-12-01");
    assert_int_equal(events(db, "resident", dead, "moved_out"), 0);
    assert_int_equal(events(db, "household", hh, "closed"), 1);
    assert_int_equal(get_household(db, hh).member_count, 0);
}

static void test_household_close_twice_refused(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王五", "户主");
    ms_err e;
    assert_ok(close_household(db, hh, "2026-02-01", &e), &e);
    int64_t before = all_events(db);
    assert_refused(close_household(db, hh, "2026-03-01", &e), &e, ERR_INVALID, "");
    assert_string_equal(col_text(db, "household", hh, "status"), "closed");
    assert_string_equal(col_text(db, "resident", a, "status_date"), "2026-02-01");
    assert_int_equal(all_events(db), before);
}

static void test_household_update_head_must_be_active_member(void **state)
{
    db_conn *db = *state;
    int64_t a, b, dead, hh = family(db, "T-H1", &a, &b, &dead);
    int64_t other = add_household(db, "T-H2", grid_a.id);
    int64_t stranger = add_resident(db, other, "李户主", "户主");
    ms_err e;
    assert_refused(set_head(db, hh, stranger, &e), &e, ERR_INVALID, "head_resident_id");
    assert_refused(set_head(db, hh, dead, &e), &e, ERR_INVALID, "head_resident_id");
    assert_int_equal(head_of(db, hh), a);
    assert_int_equal(head_of(db, other), stranger);
    assert_int_equal(events(db, "household", hh, "updated"), 0);
    assert_ok(set_head(db, hh, b, &e), &e);
    assert_int_equal(head_of(db, hh), b);
    assert_int_equal(events(db, "household", hh, "updated"), 1);
}

/* ---- history ------------------------------------------------------------------------------------ */

/* The resident's history, copied out (at most max items) so that a failed
 * assertion leaks nothing; returns the number of items. */
static size_t history(db_conn *db, int64_t resident_id, history_item out[], size_t max)
{
    history_item *items = NULL;
    size_t n = 0;
    assert_int_equal(history_of_resident(db, resident_id, &items, &n), 0);
    memcpy(out, items, (n < max ? n : max) * sizeof *items);
    free(items);
    return n;
}

static void test_history_oldest_first_with_grid_names(void **state)
{
    db_conn *db = *state;
    int64_t h1 = add_household(db, "T-H1", grid_a.id), h2 = add_household(db, "T-H2", grid_b.id);
    int64_t a = add_resident(db, h1, "王五", "子");
    add_resident(db, h2, "李户主", "户主");   /* another resident's events stay out */
    ms_err e;
    assert_ok(set_relation(db, a, "女", &e), &e);
    assert_ok(move(db, a, h2, "女婿", &e), &e);
    assert_ok(move_household(db, h2, grid_a.id, 0, "菏泽市牡丹区新路8号", &e), &e);
    assert_ok(set_status(db, a, "deceased", "2026-01-05", "病故", &e), &e);

    history_item items[8];
    size_t n = history(db, a, items, 8);
    static const char *const kinds[] = {"created", "updated", "moved", "moved", "deceased"};
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(items[i].kind, kinds[i]);
        assert_string_equal(items[i].by, who.display_name);
        if (i > 0)
            assert_true(items[i].id > items[i - 1].id);
    }
    assert_string_equal(items[0].from_grid, "");
    assert_string_equal(items[0].to_grid, "");
    assert_string_equal(items[2].from_grid, grid_a.name);
    assert_string_equal(items[2].to_grid, grid_b.name);
    assert_int_equal(items[2].from_household, h1);
    assert_int_equal(items[2].to_household, h2);
    assert_string_equal(items[3].from_grid, grid_b.name);
    assert_string_equal(items[3].to_grid, grid_a.name);
    assert_string_equal(items[4].event_date, "2026-01-05");
    assert_string_equal(items[4].note, "病故");
}

/* ---- stale snapshots and closed households ------------------------------------------------------ */

/* A member of a closed household cannot be reopened: that would leave
 * a closed household with an active member, which resident_create and
 * resident_move both refuse to make. */
static void test_reopen_into_closed_household_refused(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王五", "户主");
    ms_err e;
    assert_ok(close_household(db, hh, "2026-02-01", &e), &e);
    assert_refused(set_status(db, a, "active", NULL, NULL, &e), &e, ERR_INVALID, "status");
    assert_string_equal(col_text(db, "resident", a, "status"), "moved_out");
}

/* household_move checks the row, not the caller's snapshot: the API
 * loads the household before BEGIN IMMEDIATE, so a close committed in
 * between must still be seen. */
static void test_household_move_checks_row_not_stale_snapshot(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    ms_err e;
    household stale = get_household(db, hh);
    assert_ok(close_household(db, hh, "2026-02-01", &e), &e);
    begin(db);
    assert_refused(end(db, household_move(db, &who, stale.id, 0, grid_b.id, 0, stale.address, NULL, &e)), &e,
                   ERR_INVALID, "");
    assert_int_equal(col_int(db, "household", hh, "grid_id"), grid_a.id);
}

/* ---- versions (If-Match) ------------------------------------------------------------------------ */

/* Every write increments the row's version (a move, a status change and
 * a household's move or closing that of each member too); a change that
 * names an older version is refused with ERR_STALE and the current one,
 * and changes nothing. */
static void test_versions_increment_and_stale_writes_refused(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-H1", grid_a.id);
    int64_t a = add_resident(db, hh, "王五", "户主");
    int64_t v = col_int(db, "resident", a, "version");
    int64_t hv = col_int(db, "household", hh, "version");
    ms_err e;
    resident_change c = {.in.notes = "一", .set = RC_NOTES};
    begin(db);
    assert_ok(end(db, resident_update(db, &who, a, v, &c, NULL, &e)), &e);
    assert_int_equal(col_int(db, "resident", a, "version"), v + 1);
    begin(db);
    assert_refused(end(db, resident_update(db, &who, a, v, &c, NULL, &e)), &e, ERR_STALE, "");
    assert_int_equal(e.current_version, v + 1);
    /* only the fields set change */
    assert_string_equal(col_text(db, "resident", a, "name"), "王五");
    assert_ok(move_household(db, hh, grid_b.id, 0, "新地址1号", &e), &e);
    assert_int_equal(col_int(db, "resident", a, "version"), v + 2);
    assert_true(col_int(db, "household", hh, "version") > hv);
    hv = col_int(db, "household", hh, "version");
    begin(db);
    assert_refused(end(db, household_close(db, &who, hh, hv - 1, "2026-02-01", NULL, NULL, &e)), &e, ERR_STALE, "");
    assert_string_equal(col_text(db, "household", hh, "status"), "active");
    assert_ok(set_status(db, a, "deceased", "2026-02-02", NULL, &e), &e);
    assert_int_equal(col_int(db, "resident", a, "version"), v + 3);
}

/* ---- triggers off while a batch's rows are written (counts.h) ------------------ */

static int64_t counted_residents(db_conn *db, int64_t unit_id)
{
    return db_one_int(db, 0, "SELECT n FROM registry_count WHERE unit_id = ? AND what = 'residents'", DB_INT(unit_id));
}

/* With the schema's own triggers only, counts_batch_triggers_off turns
 * them off for this connection (a visible row written meanwhile would
 * go uncounted: that is why only a running batch's writer may) and
 * counts_batch_triggers_on back on; a trigger it does not know keeps
 * them on. */
static void test_batch_triggers_off_only_with_the_known_triggers(void **state)
{
    db_conn *db = *state;
    int64_t hh = add_household(db, "T-TRIG", grid_a.id), n = counted_residents(db, grid_a.id);
    assert_int_equal(counts_batch_triggers_off(db), 1);
    add_resident(db, hh, "无触发", "户主");
    assert_int_equal(counted_residents(db, grid_a.id), n);
    counts_batch_triggers_on(db);
    add_resident(db, hh, "有触发", "配偶");
    assert_int_equal(counted_residents(db, grid_a.id), n + 1);

    assert_int_equal(db_exec(db, "CREATE TRIGGER test_unknown AFTER INSERT ON resident BEGIN SELECT 1; END"), DB_DONE);
    assert_int_equal(counts_batch_triggers_off(db), 0);
    add_resident(db, hh, "仍计数", "子");
    assert_int_equal(counted_residents(db, grid_a.id), n + 2);
}

/* ---- facts: 高龄 refreshed from the birth date, status dates, stop flags ---- */

static int64_t active_born_by(db_conn *db, const char *cutoff)
{
    return db_one_int(db, -1, "SELECT COUNT(*) FROM resident WHERE status = 'active' AND birth_date <= ?",
                      DB_TEXT(cutoff));
}

static int64_t elderly_tags(db_conn *db)
{
    return db_one_int(db, -1,
                      "SELECT COUNT(*) FROM resident_tag t JOIN resident r ON r.id = t.resident_id"
                      " WHERE t.tag = 'elderly' AND r.status = 'active'");
}

static int64_t elderly_counted(db_conn *db)
{
    return db_one_int(db, -1,
                      "SELECT COALESCE(SUM(rc.n), 0) FROM registry_count rc JOIN org_unit u ON u.id = rc.unit_id"
                      " WHERE u.kind = 'grid' AND rc.what = 'elderly'");
}

static void test_derived_refresh_follows_birthdays(void **state)
{
    db_conn *db = *state;
    int64_t added, removed;
    /* the demo tagged everyone 70 or over on TODAY: nothing to do */
    assert_int_equal(derived_refresh(db, TODAY, &added, &removed), 0);
    assert_int_equal(added, 0);
    assert_int_equal(removed, 0);
    assert_int_equal(elderly_tags(db), active_born_by(db, "1956-03-01"));
    /* two years on, those born up to 1958-03-01 are 70: one of 1957 */
    char idn[19];
    ms_err e;
    int64_t hh57 = add_household(db, "H-1957", grid_a.id), r57 = 0;
    resident_input in57 = {.id_number = make_id(idn, "19570601", 903), .name = "将七十", .relation = "户主"};
    assert_ok(create(db, hh57, &in57, &r57, &e), &e);
    int64_t before = elderly_tags(db);
    assert_int_equal(derived_refresh(db, 20280301, &added, &removed), 0);
    assert_true(added > 0);
    assert_int_equal(removed, 0);
    assert_int_equal(elderly_tags(db), before + added);
    assert_int_equal(elderly_tags(db), active_born_by(db, "1958-03-01"));
    /* the maintained counts followed (migration 0009's triggers) */
    assert_int_equal(elderly_counted(db), elderly_tags(db));
    assert_int_equal(counts_check(db, 0, NULL, NULL), 0);
    /* audited */
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM audit_log WHERE action = 'derived_refresh'"), 1);
    /* a tag typed on someone too young (bypassing the API) is taken away */
    int64_t hh = add_household(db, "H-REFRESH", grid_a.id);
    int64_t young = add_resident(db, hh, "年轻", "户主");
    assert_int_equal(db_exec_args(db, "INSERT INTO resident_tag(resident_id, tag) VALUES (?, 'elderly')", DB_INT(young)),
                     DB_DONE);
    assert_int_equal(derived_refresh(db, 20280301, &added, &removed), 0);
    assert_int_equal(added, 0);
    assert_int_equal(removed, 1);
    assert_int_equal(elderly_counted(db), elderly_tags(db));
}

static void test_derived_tags_on_create_and_update(void **state)
{
    db_conn *db = *state;
    char idn[19];
    ms_err e;
    int64_t hh = add_household(db, "H-DERIVED", grid_a.id), old = 0;
    /* 1940: 高龄 added on create, though not given */
    resident_input in = {.id_number = make_id(idn, "19400101", 901), .name = "长者", .relation = "户主"};
    assert_ok(create(db, hh, &in, &old, &e), &e);
    assert_int_equal(db_one_int(db, 0, "SELECT COUNT(*) FROM resident_tag WHERE resident_id = ? AND tag = 'elderly'",
                                DB_INT(old)), 1);
    /* a new set of tags without it is refused */
    resident_change c = {.in.tags = {"dibao"}, .in.ntags = 1, .set = RC_TAGS};
    begin(db);
    assert_refused(end(db, resident_update(db, &who, old, 0, &c, NULL, &e)), &e, ERR_INVALID, "tags");
    assert_non_null(strstr(e.message, "不能去掉高龄标签"));
    /* typed on someone of 1980: refused by the input check */
    resident_input young = {.id_number = next_id(idn), .name = "青年", .tags = {"elderly"}, .ntags = 1};
    assert_refused(resident_input_check(&young, TODAY, &e), &e, ERR_INVALID, "tags");
    assert_string_equal(e.message, "高龄由出生日期得出：该居民46周岁，未满70周岁，不能标注高龄");
}

static void test_status_dates_and_stop_flag(void **state)
{
    db_conn *db = *state;
    ms_err e;
    int64_t hh = add_household(db, "H-STATUS", grid_a.id);
    int64_t id = add_resident(db, hh, "身故", "户主");   /* born 1980-01-01 */
    assert_refused(set_status(db, id, "deceased", "2999-01-01", NULL, &e), &e, ERR_INVALID, "date");
    assert_refused(set_status(db, id, "moved_out", "1979-12-31", NULL, &e), &e, ERR_INVALID, "date");
    assert_string_equal(e.message, "迁出日期 1979-12-31 早于出生日期（1980-01-01）");
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM resident_event_flag"), 0);
    assert_ok(set_status(db, id, "deceased", "2020-05-01", "病故", &e), &e);
    resident_flag f;
    assert_int_equal(resident_last_flag(db, id, &f), 0);
    assert_string_equal(f.event, "deceased");
    assert_string_equal(f.event_date, "2020-05-01");
    assert_string_equal(f.handled_at, "");
    assert_int_equal(db_one_int(db, -1, "SELECT created_by FROM resident_event_flag WHERE id = ?", DB_INT(f.id)), who.id);
    /* reopened: no new flag; moved out: one more */
    assert_ok(set_status(db, id, "active", NULL, NULL, &e), &e);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM resident_event_flag"), 1);
    assert_ok(set_status(db, id, "moved_out", NULL, NULL, &e), &e);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM resident_event_flag WHERE resident_id = ?", DB_INT(id)), 2);
    /* a household that moves away: a flag for each member still active */
    int64_t hh2 = add_household(db, "H-LEAVES", grid_a.id);
    int64_t m1 = add_resident(db, hh2, "随户一", "户主"), m2 = add_resident(db, hh2, "随户二", "配偶");
    assert_ok(close_household(db, hh2, "2026-02-01", &e), &e);
    assert_int_equal(db_one_int(db, -1,
                                "SELECT COUNT(*) FROM resident_event_flag WHERE resident_id IN (?, ?)"
                                " AND event = 'moved_out' AND event_date = '2026-02-01'", DB_INT(m1), DB_INT(m2)), 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, db_setup, db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_check_bad_checksum_names_id_number),
        cmocka_unit_test(test_input_check_disability_type_needs_grade),
        cmocka_unit_test(test_input_check_unknown_tag),
        cmocka_unit_test(test_input_check_long_notes),
        T(test_create_derives_sex_and_birth_and_logs_actor),
        T(test_create_duplicate_id_number_conflicts),
        T(test_create_into_closed_household_refused),
        T(test_head_rule_second_head_refused_on_create),
        T(test_head_rule_second_head_refused_on_update),
        T(test_head_rule_second_head_refused_on_move),
        T(test_head_rule_new_head_of_headless_household),
        T(test_head_rule_head_changed_to_spouse_stops_being_head),
        T(test_head_rule_moving_head_out_clears_old_head),
        T(test_head_rule_deceased_head_stops_being_head),
        T(test_head_rule_reopened_head_refused_when_household_has_head),
        T(test_move_to_same_or_closed_household_refused),
        T(test_move_changes_household_and_grid_and_logs_both_ends),
        T(test_status_deceased_date_defaults_to_today),
        T(test_status_unchanged_refused),
        T(test_status_reopen_clears_date_and_logs_reopened),
        T(test_household_move_members_follow_one_event_each),
        T(test_household_move_closed_or_unchanged_refused),
        T(test_household_close_members_moved_out_deceased_stay),
        T(test_household_close_twice_refused),
        T(test_household_update_head_must_be_active_member),
        T(test_history_oldest_first_with_grid_names),
        T(test_reopen_into_closed_household_refused),
        T(test_household_move_checks_row_not_stale_snapshot),
        T(test_versions_increment_and_stale_writes_refused),
        T(test_batch_triggers_off_only_with_the_known_triggers),
        T(test_derived_refresh_follows_birthdays),
        T(test_derived_tags_on_create_and_update),
        T(test_status_dates_and_stop_flag),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
