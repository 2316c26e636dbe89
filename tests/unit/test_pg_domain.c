/* test_pg_domain.c — the domain SQL that differs by engine, or that was
 * moved to C so that one text serves both (docs/postgresql-sql.md), run
 * with the same rows on a migrated SQLite database and on a migrated
 * PostgreSQL 15 (a throwaway cluster, unit/pg_temp.h): every resident
 * column with its tags (RESIDENT_SQL), a list page fetched by ids
 * (page_fetch), the name-prefix range over Chinese names (UTF8_MAX_CHAR),
 * the duty requests' expiry (change_get and the list filter), `user
 * list`, and the export. Each answer is checked, and must be the same
 * text on both engines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/duties.h"
#include "auth/users.h"
#include "registry/import.h"
#include "registry/resident.h"
#include "server/http.h"
#include "storage/db.h"
#include "unit/pg_temp.h"
#include "util/validate.h"

static char sqlite_dir[64];
static db_conn *engines[2];          /* SQLite, PostgreSQL */
static const char *const ENGINE_NAMES[2] = {"sqlite", "postgresql"};

static db_conn *open_migrated(const char *path)
{
    char err[512];
    db_conn *db = db_open(path, err, sizeof err);
    if (!db || db_migrate(db, err, sizeof err) != 0) {
        fprintf(stderr, "test_pg_domain: %s: %s\n", path, err);
        return NULL;
    }
    return db;
}

/* The same rows on both: a street, a community, two grids, three
 * households, residents with Chinese names (one beyond the BMP), tags
 * inserted out of their code order, users and duty requests. */
static int seed(db_conn *db)
{
    static const char *const ROWS[] = {
        "INSERT INTO org_unit(id, parent_id, kind, code, name, path, created_at, updated_at) VALUES"
        " (1, NULL, 'street', 'S1', '东街街道', '/1/', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
        " (2, 1, 'community', 'C1', '东一社区', '/1/2/', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
        " (3, 2, 'grid', 'G1', '第一网格', '/1/2/3/', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
        " (4, 2, 'grid', 'G2', '第二网格', '/1/2/4/', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO household(id, code, grid_id, address, created_at, updated_at) VALUES"
        " (1, 'H001', 3, '东街1号', '2026-01-02 00:00:00', '2026-01-02 00:00:00'),"
        " (2, 'H002', 3, '东街2号', '2026-01-02 00:00:00', '2026-01-02 00:00:00'),"
        " (3, 'H003', 4, '东街3号', '2026-01-02 00:00:00', '2026-01-02 00:00:00')",
        "INSERT INTO resident(id, id_number_bidx, name, sex, birth_date, household_id, grid_id, relation, party_member,"
        " created_at, updated_at) VALUES"
        " (1, 'b1', '张三', 'M', '1950-03-01', 1, 3, '户主', 1, '2026-01-03 00:00:00', '2026-01-03 00:00:00'),"
        " (2, 'b2', '张三丰', 'M', '1960-04-02', 1, 3, '子', 0, '2026-01-03 00:00:00', '2026-01-03 00:00:00'),"
        " (3, 'b3', '李四', 'F', '1970-05-03', 2, 3, '户主', 0, '2026-01-03 00:00:00', '2026-01-03 00:00:00'),"
        " (4, 'b4', '张𠀀', 'F', '1980-06-04', 2, 3, '配偶', 0, '2026-01-03 00:00:00', '2026-01-03 00:00:00'),"
        " (5, 'b5', '张伟', 'M', '1990-07-05', 3, 4, '户主', 0, '2026-01-03 00:00:00', '2026-01-03 00:00:00'),"
        " (6, 'b6', '王五', 'M', '2000-08-06', 3, 4, '子', 0, '2026-01-03 00:00:00', '2026-01-03 00:00:00'),"
        " (7, 'b7', '张', 'F', '2010-09-07', 3, 4, '女', 0, '2026-01-03 00:00:00', '2026-01-03 00:00:00')",
        "INSERT INTO resident_tag(resident_id, tag) VALUES (1, 'veteran')",
        "INSERT INTO resident_tag(resident_id, tag) VALUES (1, 'elderly')",
        "INSERT INTO resident_tag(resident_id, tag) VALUES (3, 'tekun')",
        "INSERT INTO resident_tag(resident_id, tag) VALUES (1, 'dibao')",
        "INSERT INTO resident_tag(resident_id, tag) VALUES (3, 'disabled')",
        "INSERT INTO resident_tag(resident_id, tag) VALUES (5, 'living_alone')",
        "INSERT INTO app_user(id, username, display_name, role, org_unit_id, password_hash, locked_until,"
        " last_login_at, disabled, role_approved, created_at, updated_at) VALUES"
        " (1, 'admin', '管理员', 'admin', 1, 'x', 0, 1700000000, 0, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
        " (2, 'locked', '锁定者', 'street', 1, 'x', 4102444800, 0, 0, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
        " (3, 'grid1', '网格员', 'grid', 3, 'x', 1000, 1, 1, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO change_request(id, kind, username, summary, proposed_by, proposer_role, proposed_at, expires_at,"
        " status) VALUES"
        " (1, 'create', 'a', '过期未批', 1, 'admin', 1000, 2000, 'pending'),"
        " (2, 'create', 'b', '待批', 1, 'admin', 1000, 4102444800, 'pending'),"
        " (3, 'create', 'c', '已批', 1, 'admin', 1000, 2000, 'approved'),"
        " (4, 'create', 'd', '已过期', 1, 'admin', 1000, 2000, 'expired')",
    };
    for (size_t i = 0; i < sizeof ROWS / sizeof *ROWS; i++)
        if (db_exec(db, ROWS[i]) != DB_DONE) {
            fprintf(stderr, "test_pg_domain: %s: %s\n", db_engine_name(db), db_errmsg(db));
            return -1;
        }
    return 0;
}

static int setup(void **state)
{
    if (start_cluster(state) != 0)
        return -1;
    snprintf(sqlite_dir, sizeof sqlite_dir, "/tmp/minsheng-pgdomain-XXXXXX");
    if (!mkdtemp(sqlite_dir))
        return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/test.db", sqlite_dir);
    engines[0] = open_migrated(path);
    engines[1] = open_migrated(uri);
    if (!engines[0] || !engines[1])
        return -1;
    return seed(engines[0]) == 0 && seed(engines[1]) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    for (int e = 0; e < 2; e++)
        db_close(engines[e]);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sqlite_dir);
    int rc = system(cmd);
    return stop_cluster(state) == 0 && rc == 0 ? 0 : -1;
}

/* Every row of a stepped statement as text: columns joined by '|', rows
 * by '\n' (malloc'd; s is finalized). */
static char *dump(db_stmt *s)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    assert_non_null(f);
    while (db_step(s) == DB_ROW) {
        for (int c = 0; c < db_column_count(s); c++)
            fprintf(f, "%s%s", c ? "|" : "", db_col_is_null(s, c) ? "NULL" : db_col_text(s, c));
        fputc('\n', f);
    }
    db_finalize(s);
    fclose(f);
    return out;
}

/* Both engines' answers are equal: the SQLite one is returned (malloc'd). */
static char *same_on_both(char *answers[2])
{
    if (strcmp(answers[0], answers[1]) != 0)
        fail_msg("SQLite:\n%s\nPostgreSQL:\n%s", answers[0], answers[1]);
    free(answers[1]);
    return answers[0];
}

static void test_resident_select_with_tags(void **state)
{
    char *got[2];
    for (int e = 0; e < 2; e++) {
        db_conn *db = engines[e];
        assert_string_equal(db_engine_name(db), ENGINE_NAMES[e]);
        got[e] = dump(db_query(db, RESIDENT_SQL(db, " WHERE r.status = ? ORDER BY r.id"), DB_TEXT("active")));
    }
    char *all = same_on_both(got);
    /* Tags in code order, whatever order they were written in; then the
     * version, the grid's community (id, name), and id_kind (NULL for rows
     * written without the writer). */
    assert_non_null(strstr(all, "|/1/2/3/|dibao,elderly,veteran|1|2|东一社区|NULL\n"));
    assert_non_null(strstr(all, "|/1/2/3/|disabled,tekun|1|2|东一社区|NULL\n"));
    assert_non_null(strstr(all, "|/1/2/4/|living_alone|1|2|东一社区|NULL\n"));
    assert_non_null(strstr(all, "|/1/2/4/|NULL|1|2|东一社区|NULL\n"));
    free(all);
    /* resident_get reads them into the struct alike. */
    for (int e = 0; e < 2; e++) {
        resident r;
        assert_int_equal(resident_get(engines[e], 1, &r), 0);
        assert_string_equal(r.name, "张三");
        assert_int_equal(r.ntags, 3);
        assert_string_equal(r.tags[0], "dibao");
        assert_string_equal(r.tags[2], "veteran");
        assert_int_equal(r.party_member, 1);
    }
}

static void test_page_fetch_by_ids(void **state)
{
    char *got[2];
    for (int e = 0; e < 2; e++) {
        request rq = {.db = engines[e]};
        page_req p = {.id_expr = "r.id", .desc = 0};
        snprintf(p.order_by, sizeof p.order_by, "r.name ASC");
        page_pick pk = {.ids_json = "[6,1,4,3]", .n = 4};
        db_stmt *s = page_fetch(&rq, RESIDENT_SQL(engines[e], ""), &p, &pk);
        assert_non_null(s);
        char *rows = dump(s);
        /* The ids, in the page's order (by name). */
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);
        for (char *line = strtok(rows, "\n"); line; line = strtok(NULL, "\n"))
            fprintf(f, "%.*s\n", (int)strcspn(line, "|"), line);
        fclose(f);
        free(rows);
        got[e] = out;
        /* Households, newest code first; an empty page. */
        page_req hp = {.id_expr = "h.id", .order_by = "h.code DESC", .desc = 1};
        rows = dump(page_fetch(&rq, "SELECT h.id, h.code FROM household h", &hp, &(page_pick){.ids_json = "[1,3]", .n = 2}));
        assert_string_equal(rows, "3|H003\n1|H001\n");
        free(rows);
        rows = dump(page_fetch(&rq, "SELECT h.id, h.code FROM household h", &hp, &(page_pick){.ids_json = "[]"}));
        assert_string_equal(rows, "");
        free(rows);
    }
    char *all = same_on_both(got);
    /* 张三 (1), 张𠀀 (4) — byte order: U+20000 sorts after U+4E09 — then 李四 (3), 王五 (6). */
    assert_string_equal(all, "1\n4\n3\n6\n");
    free(all);
}

static void test_name_prefix_range(void **state)
{
    static const char *const PREFIXES[] = {"张", "张三", "张𠀀", "李", "赵", NULL};
    static const char *const WANT[] = {"张|张三|张三丰|张伟|张𠀀|", "张三|张三丰|", "张𠀀|", "李四|", ""};
    for (int i = 0; PREFIXES[i]; i++) {
        char end[64], *got[2];
        snprintf(end, sizeof end, "%s" UTF8_MAX_CHAR, PREFIXES[i]);
        for (int e = 0; e < 2; e++) {
            db_stmt *s = db_query(engines[e], "SELECT r.name FROM resident r WHERE r.status = ? AND r.name >= ?"
                                              " AND r.name < ? ORDER BY r.name ASC, r.id ASC",
                                  DB_TEXT("active"), DB_TEXT(PREFIXES[i]), DB_TEXT(end));
            got[e] = dump(s);
            for (char *c = got[e]; *c; c++)
                if (*c == '\n')
                    *c = '|';
        }
        char *all = same_on_both(got);
        assert_string_equal(all, WANT[i]);
        free(all);
    }
}

static void test_duty_expiry(void **state)
{
    static const char *const WANT[] = {"expired", "pending", "approved", "expired"};
    for (int e = 0; e < 2; e++) {
        for (int id = 1; id <= 4; id++) {
            change_request c;
            assert_int_equal(change_get(engines[e], id, &c), 0);
            assert_string_equal(c.status, WANT[id - 1]);
        }
    }
    /* The list's filters (duties_api.c), the time bound. */
    int64_t now = (int64_t)time(NULL);
    char *got[2];
    for (int e = 0; e < 2; e++) {
        char *pending = dump(db_query(engines[e], "SELECT c.id FROM change_request c WHERE c.status = 'pending'"
                                                  " AND c.expires_at >= ? ORDER BY c.id", DB_INT(now)));
        char *expired = dump(db_query(engines[e], "SELECT c.id FROM change_request c WHERE (c.status = 'expired' OR"
                                                  " (c.status = 'pending' AND c.expires_at < ?)) ORDER BY c.id", DB_INT(now)));
        assert_int_equal(asprintf(&got[e], "pending %s expired %s", pending, expired) > 0, 1);
        free(pending);
        free(expired);
    }
    char *all = same_on_both(got);
    assert_string_equal(all, "pending 2\n expired 1\n4\n");
    free(all);
}

static void test_user_list(void **state)
{
    char *got[2];
    for (int e = 0; e < 2; e++) {
        size_t n = 0;
        got[e] = NULL;
        FILE *f = open_memstream(&got[e], &n);
        assert_int_equal(user_print_list(engines[e], f), 0);
        fclose(f);
    }
    char *all = same_on_both(got);
    assert_non_null(strstr(all, "2023-11-14 22:13:20"));   /* admin's last login, 1700000000 */
    assert_non_null(strstr(all, "1970-01-01 00:00:01"));
    assert_non_null(strstr(all, "从未登录"));
    assert_non_null(strstr(all, "[已锁定]"));
    assert_null(strstr(strstr(all, "[已锁定]") + 1, "[已锁定]"));   /* grid1's lock has passed */
    assert_non_null(strstr(all, "[已停用] [角色待安全管理员确认]"));
    free(all);
}

static int sink(const char *data, size_t len, void *ctx)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

static void test_export(void **state)
{
    char *got[2];
    for (int e = 0; e < 2; e++) {
        size_t n = 0;
        got[e] = NULL;
        FILE *f = open_memstream(&got[e], &n);
        export_filter filter = {.scope_path = "/1/", .full_id = 1, .full_phone = 1};
        assert_int_equal(export_residents_write(engines[e], &filter, sink, f), 7);
        fclose(f);
        /* the cap: one more than it refuses the export */
        FILE *null = fopen("/dev/null", "w");
        export_filter capped = {.scope_path = "/1/", .max_rows = 6};
        assert_int_equal(export_residents_write(engines[e], &capped, sink, null), EXPORT_TOO_MANY);
        capped.max_rows = 7;
        assert_int_equal(export_residents_write(engines[e], &capped, sink, null), 7);
        fclose(null);
    }
    char *all = same_on_both(got);
    assert_non_null(strstr(all, ",张三,,男,1950-03-01,户主,,,户籍,,,,是,高龄、低保、退役军人,\r\n"));
    assert_non_null(strstr(all, ",李四,,女,1970-05-03,户主,,,户籍,,,,否,残疾、特困,"));
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resident_select_with_tags),
        cmocka_unit_test(test_page_fetch_by_ids),
        cmocka_unit_test(test_name_prefix_range),
        cmocka_unit_test(test_duty_expiry),
        cmocka_unit_test(test_user_list),
        cmocka_unit_test(test_export),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
