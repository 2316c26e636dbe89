/* test_list_paging.c — the big lists at any depth (issue 7): totals of a
 * unit's list are its maintained counts and agree with a walk of every
 * row (street, community, grid, building; after writes and while an
 * import batch is pending); other totals are counted up to the count
 * cap (the server runs with --count-cap 20) and say so
 * (total_is_estimate); keyset paging by next_cursor yields every row
 * once, in order, for each sort key both ways, with ties, merged over a
 * community's grids, and stays consistent while rows are inserted
 * between pages; bad, altered or foreign cursors are 400; a cursor
 * neither widens the caller's scope nor shows a masked value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry_fixture.h"
#include "storage/db.h"
#include "util/pinyin.h"

#define CAP 20

/* ---- walking a list ------------------------------------------------------- */

/* Every item of `path` (which has a '?'), walked by cursor with pages of
 * page_size: a new array; *pages counts the requests. Each page's total
 * and total_is_estimate are the first page's. */
static json_t *walk_by_cursor(const char *tok, const char *path_in, int page_size, int *pages)
{
    char path[512];   /* path_in may be one of fmt's rotating buffers, which the pages reuse */
    snprintf(path, sizeof path, "%s", path_in);
    json_t *all = json_array(), *first = NULL;
    char *cursor = NULL;
    *pages = 0;
    for (;;) {
        json_t *j = get_ok(tok, fmt("%s&page_size=%d%s%s", path, page_size, cursor ? "&cursor=" : "",
                                    cursor ? cursor : ""));
        free(cursor);
        cursor = NULL;
        (*pages)++;
        assert_true(*pages < 1000);
        json_t *items = json_object_get(j, "items");
        assert_true(json_array_size(items) <= (size_t)page_size);
        json_array_extend(all, items);
        assert_non_null(json_object_get(j, "next_cursor"));   /* present: a string or null */
        if (!first) {
            first = json_incref(j);
        } else {
            assert_int_equal(jint(j, "total"), jint(first, "total"));
            assert_true(json_equal(json_object_get(j, "total_is_estimate"), json_object_get(first, "total_is_estimate")));
        }
        const char *next = jstr(j, "next_cursor");
        if (next) {
            assert_int_equal(json_array_size(items), page_size);   /* only a full page has a next one */
            cursor = strdup(next);
        }
        json_decref(j);
        if (!cursor)
            break;
    }
    json_decref(first);
    return all;
}

/* The same list by page number, pages of 100. */
static json_t *walk_by_page(const char *tok, const char *path)
{
    json_t *all = json_array();
    for (int page = 1; page <= 50; page++) {
        json_t *j = get_ok(tok, fmt("%s&page_size=100&page=%d", path, page));
        size_t n = json_array_size(json_object_get(j, "items"));
        json_array_extend(all, json_object_get(j, "items"));
        json_decref(j);
        if (n < 100)
            break;
    }
    return all;
}

static long long item_id(json_t *items, size_t i)
{
    return jint(json_array_get(items, i), "id");
}

/* The same ids in the same order, none twice. */
static void assert_same_ids(json_t *a, json_t *b, const char *what)
{
    if (json_array_size(a) != json_array_size(b))
        print_error("%s: %zu rows by cursor, %zu by page\n", what, json_array_size(a), json_array_size(b));
    assert_int_equal(json_array_size(a), json_array_size(b));
    for (size_t i = 0; i < json_array_size(a); i++) {
        if (item_id(a, i) != item_id(b, i))
            print_error("%s: row %zu is %lld by cursor, %lld by page\n", what, i, item_id(a, i), item_id(b, i));
        assert_int_equal(item_id(a, i), item_id(b, i));
        for (size_t k = 0; k < i; k++)
            assert_true(item_id(a, k) != item_id(a, i));
    }
}

/* The sort value of an item as the list sorts it, for the order check:
 * text compared bytewise as SQLite's BINARY collation does; names by
 * their pinyin (util/pinyin.h), as sort=name orders them. */
static const char *sort_value(json_t *it, const char *key, char *buf, size_t bufsz)
{
    if (strcmp(key, "name") == 0 && bufsz >= PINYIN_MAX) {
        pinyin_sort_key(jstr(it, "name"), buf);
        return buf;
    }
    if (strcmp(key, "birth_date") == 0) {   /* masked lists sort by birth year */
        snprintf(buf, bufsz, "%lld", jint(it, "birth_year"));
        return buf;
    }
    if (strcmp(key, "id") == 0) {
        snprintf(buf, bufsz, "%020lld", jint(it, "id"));
        return buf;
    }
    return jstr(it, key);
}

/* Items in (sort key, id) order, ascending or descending. */
static void assert_sorted(json_t *items, const char *sort)
{
    int desc = sort[0] == '-';
    const char *key = desc ? sort + 1 : sort;
    char a[PINYIN_MAX], b[PINYIN_MAX];
    for (size_t i = 1; i < json_array_size(items); i++) {
        json_t *x = json_array_get(items, i - 1), *y = json_array_get(items, i);
        int c = strcmp(sort_value(x, key, a, sizeof a), sort_value(y, key, b, sizeof b));
        if (!c)
            c = jint(x, "id") < jint(y, "id") ? -1 : 1;
        if (desc ? c < 0 : c > 0)
            print_error("sort=%s: row %zu (id %lld, %s) before row %zu (id %lld, %s)\n", sort, i - 1, jint(x, "id"),
                        a, i, jint(y, "id"), b);
        assert_true(desc ? c > 0 : c < 0);
    }
}

/* A copy of the reply's next_cursor, which must be there. */
static char *next_cursor_of(json_t *j)
{
    const char *c = jstr(j, "next_cursor");
    assert_non_null(c);
    return strdup(c);
}

/* The next_cursor of the first page of GET path, as tok (a copy). */
static char *first_cursor(const char *tok, const char *path)
{
    json_t *j = get_ok(tok, path);
    char *c = next_cursor_of(j);
    json_decref(j);
    return c;
}

/* ---- totals ----------------------------------------------------------------- */

/* The total of the unit's list (no filter) and a walk of every row agree. */
static void unit_total_is_exact(const char *list, long long unit)
{
    const char *path = fmt("/api/v1/%s?org_unit_id=%lld", list, unit);
    json_t *j = get_ok(t_street, fmt("%s&page_size=20", path));
    long long total = jint(j, "total");
    assert_true(json_is_false(json_object_get(j, "total_is_estimate")));
    json_decref(j);
    int pages;
    json_t *all = walk_by_cursor(t_street, path, 100, &pages);
    if ((long long)json_array_size(all) != total)
        print_error("%s of unit %lld: total %lld, %zu rows\n", list, unit, total, json_array_size(all));
    assert_int_equal((long long)json_array_size(all), total);
    json_decref(all);
}

static void units_total_is_exact(const char *step)
{
    const long long units[] = {street_id, c001, grid_a, bld_a1};
    (void)step;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        unit_total_is_exact("residents", units[i]);
        unit_total_is_exact("households", units[i]);
    }
}

/* A unit's total is its maintained count: a count changed by hand shows
 * (and nothing else in the reply counts rows). */
static void unit_totals_are_the_maintained_counts(void **state)
{
    (void)state;
    char err[256];
    long long before = total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_a));
    long long c_before = total_of(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", c001));
    db_conn *db = db_open(srv.db, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_exec_args(db, "UPDATE registry_count SET n = n + 1000 WHERE unit_id = ? AND what = 'residents'",
                                  DB_INT(grid_a)), DB_DONE);
    assert_int_equal(db_exec_args(db, "UPDATE registry_count SET n = n + 7 WHERE unit_id = ? AND what = 'households'",
                                  DB_INT(grid_a)), DB_DONE);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_a)), before + 1000);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", c001)), c_before + 7);
    /* a search is counted, not taken from the counts */
    assert_true(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&status=all&page_size=20", grid_a)) <= CAP);
    assert_int_equal(db_exec_args(db, "UPDATE registry_count SET n = n - 1000 WHERE unit_id = ? AND what = 'residents'",
                                  DB_INT(grid_a)), DB_DONE);
    assert_int_equal(db_exec_args(db, "UPDATE registry_count SET n = n - 7 WHERE unit_id = ? AND what = 'households'",
                                  DB_INT(grid_a)), DB_DONE);
    db_close(db);
    assert_int_equal(total_of(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_a)), before);
}

/* Street, community, grid and building totals equal a walk of every row:
 * as the demo made them, after writes (create, status change, close,
 * move) and while an import batch is pending (its rows neither counted
 * nor listed), and once it commits. */
static void unit_totals_equal_every_row(void **state)
{
    (void)state;
    char err[256];
    units_total_is_exact("demo");

    long long hh = create_household(t_street, "PG-0001", grid_a, bld_a1);
    long long r1 = create_resident(t_street, hh, new_id(), "翻页甲", ", \"relation\": \"户主\"");
    long long r2 = create_resident(t_street, hh, new_id(), "翻页乙", "");
    units_total_is_exact("created");
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", r2), "{\"status\":\"deceased\"}", 200));
    units_total_is_exact("status");
    long long hh2 = create_household(t_street, "PG-0002", grid_b, 0);
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/move", r1),
                    fmt("{\"household_id\":%lld,\"relation\":\"户主\"}", hh2), 200));
    json_decref(req(t_street, "POST", fmt("/api/v1/households/%lld/close", hh), "{}", 200));
    units_total_is_exact("move and close");

    /* A batch an import is still writing: its rows are nobody's yet. */
    db_conn *db = db_open(srv.db, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_exec_args(db, "INSERT INTO import_batch(username, mode, state, pid, heartbeat, started_at)"
                                      " VALUES ('test', 'all', 'running', ?, ?, '2026-01-01 00:00:00')",
                                  DB_INT(getpid()), DB_INT(time(NULL))), DB_DONE);
    long long batch = db_last_insert_id(db);
    assert_int_equal(db_exec_args(db, "INSERT INTO household(code, grid_id, building_id, address, status, created_at,"
                                      " updated_at, import_batch_id) VALUES ('PG-BATCH', ?, ?, '批次路1号', 'active',"
                                      " '2026-01-01 00:00:00', '2026-01-01 00:00:00', ?)",
                                  DB_INT(grid_a), DB_INT(bld_a1), DB_INT(batch)), DB_DONE);
    units_total_is_exact("pending batch");
    long long pending = total_of(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", bld_a1));
    assert_int_equal(db_exec_args(db, "UPDATE import_batch SET state = 'committed' WHERE id = ?", DB_INT(batch)),
                     DB_DONE);
    db_close(db);
    assert_int_equal(total_of(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", bld_a1)), pending + 1);
    units_total_is_exact("batch committed");
}

/* Searches count up to the cap: beyond it total is the cap and
 * total_is_estimate true; under it the exact count and false. */
static void searches_count_up_to_the_cap(void **state)
{
    (void)state;
    static const char *const CAPPED[] = {
        "/api/v1/residents?status=all",                 /* another status */
        "/api/v1/residents?sort=-id&status=active&tag=elderly",
        "/api/v1/households?q=371702",                  /* a text search */
        "/api/v1/households?status=all",
        NULL};
    for (size_t i = 0; CAPPED[i]; i++) {
        int pages;
        json_t *j = get_ok(t_street, fmt("%s&page_size=20", CAPPED[i]));
        json_t *all = walk_by_cursor(t_street, CAPPED[i], 100, &pages);
        if (json_array_size(all) <= CAP) {   /* not enough rows in the demo for this one */
            json_decref(all);
            json_decref(j);
            continue;
        }
        assert_int_equal(jint(j, "total"), CAP);
        assert_true(json_is_true(json_object_get(j, "total_is_estimate")));
        json_decref(all);
        json_decref(j);
    }
    /* the same walks as the capped ones, but few: exact */
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&status=all&tag=elderly&page_size=20", grid_a));
    int pages;
    json_t *all = walk_by_cursor(t_street, fmt("/api/v1/residents?org_unit_id=%lld&status=all&tag=elderly", grid_a),
                                 20, &pages);
    assert_true(json_array_size(all) <= CAP);
    assert_int_equal(jint(j, "total"), (long long)json_array_size(all));
    assert_true(json_is_false(json_object_get(j, "total_is_estimate")));
    json_decref(all);
    json_decref(j);
    /* a unit's list is not capped: its count is kept */
    j = get_ok(t_street, "/api/v1/residents?page_size=20");
    assert_true(jint(j, "total") > CAP);
    assert_true(json_is_false(json_object_get(j, "total_is_estimate")));
    json_decref(j);
    /* the audit log is counted up to the cap too (each row shown with its
     * full ID number is one audit row) */
    json_decref(get_ok(t_street, "/api/v1/residents?full_id=1&page_size=50"));
    j = get_ok(t_auditor, "/api/v1/audit?page_size=1");
    assert_int_equal(jint(j, "total"), CAP);
    assert_true(json_is_true(json_object_get(j, "total_is_estimate")));
    json_decref(j);
    /* a list of accounts stays exact, and takes no cursor */
    j = get_ok(t_admin, "/api/v1/users?page_size=1");
    assert_true(json_is_false(json_object_get(j, "total_is_estimate")));
    assert_null(json_object_get(j, "next_cursor"));
    json_decref(j);
    expect_400_field(t_admin, "GET", "/api/v1/users?cursor=abc", NULL, "cursor");
}

/* ---- keyset paging ------------------------------------------------------------ */

/* Walking by cursor gives what walking by page gives, in order, for each
 * sort key both ways: residents street-wide, in a community (a filter on
 * the name walk) and a grid; households street-wide, in a community (its
 * grids merged) and a grid; the audit log. */
static void cursor_walks_every_row_once_in_order(void **state)
{
    (void)state;
    static const char *const RES_SORTS[] = {"name", "-name", "birth_date", "-birth_date", "id", "-id",
                                            "updated_at", "-updated_at", NULL};
    static const char *const HH_SORTS[] = {"code", "-code", "address", "-address", "id", "-id", NULL};
    const long long units[] = {street_id, c001, grid_a};
    int pages;
    /* The demo gives the community 14 households, one page of 20: 30
     * more, alternating between its two grids, so that its households
     * span pages (3 pages of 20) and each page merges both grids. */
    for (int i = 0; i < 30; i++)
        create_household(t_street, fmt("PG-WALK-%02d", i), i % 2 ? grid_b : grid_a, 0);
    for (size_t u = 0; u < 3; u++) {
        for (size_t i = 0; RES_SORTS[i]; i++) {
            const char *path = fmt("/api/v1/residents?org_unit_id=%lld&sort=%s", units[u], RES_SORTS[i]);
            char *p = strdup(path);
            json_t *a = walk_by_cursor(t_street, p, u == 0 ? 100 : 20, &pages), *b = walk_by_page(t_street, p);
            assert_same_ids(a, b, p);
            assert_true(json_array_size(a) > 0);
            assert_sorted(a, RES_SORTS[i]);
            json_decref(a);
            json_decref(b);
            free(p);
        }
        for (size_t i = 0; HH_SORTS[i]; i++) {
            const char *path = fmt("/api/v1/households?org_unit_id=%lld&status=all&sort=%s", units[u], HH_SORTS[i]);
            char *p = strdup(path);
            json_t *a = walk_by_cursor(t_street, p, u == 0 ? 50 : 20, &pages), *b = walk_by_page(t_street, p);
            assert_same_ids(a, b, p);
            assert_true(json_array_size(a) > 0);
            if (strcmp(HH_SORTS[i] + (HH_SORTS[i][0] == '-'), "address") != 0)   /* addresses hold digits of any width */
                assert_sorted(a, HH_SORTS[i]);
            json_decref(a);
            json_decref(b);
            free(p);
        }
    }
    /* a community's households by page number (its grids merged, then
     * the page's offset): the same as by cursor */
    json_t *a = walk_by_cursor(t_street, fmt("/api/v1/households?org_unit_id=%lld", c001), 20, &pages);
    assert_true(pages >= 3);
    for (int page = 1; page <= pages; page++) {
        json_t *j = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20&page=%d", c001, page));
        json_t *items = json_object_get(j, "items");
        for (size_t k = 0; k < json_array_size(items); k++)
            assert_int_equal(item_id(items, k), item_id(a, (size_t)(page - 1) * 20 + k));
        json_decref(j);
    }
    json_decref(a);
    a = walk_by_cursor(t_auditor, "/api/v1/audit?x=1", 9, &pages);
    json_t *b = walk_by_page(t_auditor, "/api/v1/audit?x=1");
    assert_same_ids(a, b, "audit");
    for (size_t i = 1; i < json_array_size(a); i++)   /* newest first */
        assert_true(item_id(a, i - 1) > item_id(a, i));
    json_decref(a);
    json_decref(b);
}

static int id_cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* A search by name alone (registry/resident_search.c) picks its pages
 * from the first rows of the terms in the page's order: in name order
 * both ways as in id order, by cursor as by page, the same residents —
 * street-wide, in a community and a grid, every status and the active
 * ones, beyond the count cap too. */
static void name_searches_walk_as_they_sort(void **state)
{
    (void)state;
    const long long units[] = {street_id, c001, grid_a};
    static const char *const STATUSES[] = {"active", "all", NULL};
    static const char *const SORTS[] = {"name", "-name", NULL};
    int pages, capped = 0;
    for (size_t u = 0; u < 3; u++) {
        for (size_t st = 0; STATUSES[st]; st++) {
            char base[256];
            snprintf(base, sizeof base, "/api/v1/residents?org_unit_id=%lld&status=%s&name=z", units[u], STATUSES[st]);
            json_t *by_id = walk_by_cursor(t_street, fmt("%s&sort=id", base), 100, &pages);
            size_t n = json_array_size(by_id);
            assert_true(n > 0 || u > 0);   /* the demo has some in the street */
            json_t *first = get_ok(t_street, fmt("%s&page_size=20", base));
            capped |= json_is_true(json_object_get(first, "total_is_estimate"));
            json_decref(first);
            for (size_t i = 0; SORTS[i]; i++) {
                char path[300];
                snprintf(path, sizeof path, "%s&sort=%s", base, SORTS[i]);
                json_t *a = walk_by_cursor(t_street, path, 20, &pages), *b = walk_by_page(t_street, path);
                assert_same_ids(a, b, path);
                assert_sorted(a, SORTS[i]);
                assert_int_equal(json_array_size(a), n);
                long long *ids = malloc(n * sizeof *ids);
                assert_non_null(ids);
                for (size_t k = 0; k < n; k++)
                    ids[k] = item_id(a, k);
                qsort(ids, n, sizeof *ids, id_cmp);
                for (size_t k = 0; k < n; k++)
                    assert_int_equal(ids[k], item_id(by_id, k));
                free(ids);
                json_decref(a);
                json_decref(b);
            }
            json_decref(by_id);
        }
    }
    assert_true(capped);   /* beyond the cap */
}

/* Ties of the sort key (the same name) are ordered by id and split
 * across pages without loss; rows inserted between pages do not come
 * twice, those after the cursor come, those before it do not. */
static void ties_and_inserts_between_pages(void **state)
{
    (void)state;
    long long hh = create_household(t_street, "PG-TIES", grid_a, 0);
    enum { SAME = 45 };   /* three pages of 20: 20, 20, 5 */
    long long ids[SAME];
    for (int i = 0; i < SAME; i++)
        ids[i] = create_resident(t_street, hh, new_id(), "同名翻页", i == 0 ? ", \"relation\": \"户主\"" : "");
    char name[64];
    snprintf(name, sizeof name, "%s", urlenc("同名翻页"));
    int pages;
    for (int d = 0; d < 2; d++) {
        json_t *a = walk_by_cursor(t_street, fmt("/api/v1/residents?name=%s&sort=%sname", name, d ? "-" : ""), 20,
                                   &pages);
        assert_int_equal(json_array_size(a), SAME);
        assert_int_equal(pages, 3);
        for (int i = 0; i < SAME; i++)
            assert_int_equal(item_id(a, (size_t)i), ids[d ? SAME - 1 - i : i]);
        json_decref(a);
    }

    /* First page of grid A by name, then residents named before and after
     * its last row are added, then the walk goes on. */
    json_t *first = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20", grid_a));
    json_t *items = json_object_get(first, "items");
    assert_int_equal(json_array_size(items), 20);
    const char *last_name = jstr(json_array_get(items, 19), "name");
    char *cursor = next_cursor_of(first);
    /* sort=name is pinyin order: "a a …" before every name shown, "zuo zuo …" after */
    long long before = create_resident(t_street, hh, new_id(), "啊啊翻页", "");
    long long after = create_resident(t_street, hh, new_id(), "做做翻页", "");
    char py_last[PINYIN_MAX], py_before[PINYIN_MAX], py_after[PINYIN_MAX];
    pinyin_sort_key(last_name, py_last);
    pinyin_sort_key("啊啊翻页", py_before);
    pinyin_sort_key("做做翻页", py_after);
    assert_true(strcmp(py_before, py_last) < 0 && strcmp(py_after, py_last) > 0);
    json_t *seen = json_array();
    json_array_extend(seen, items);
    while (cursor) {
        json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&page_size=20&cursor=%s", grid_a, cursor));
        free(cursor);
        cursor = jstr(j, "next_cursor") ? next_cursor_of(j) : NULL;
        json_array_extend(seen, json_object_get(j, "items"));
        json_decref(j);
    }
    int saw_before = 0, saw_after = 0;
    for (size_t i = 0; i < json_array_size(seen); i++) {
        for (size_t k = 0; k < i; k++)
            assert_true(item_id(seen, k) != item_id(seen, i));
        saw_before |= item_id(seen, i) == before;
        saw_after |= item_id(seen, i) == after;
    }
    assert_sorted(seen, "name");
    assert_int_equal(saw_before, 0);
    assert_int_equal(saw_after, 1);
    json_decref(seen);
    json_decref(first);
}

/* An item's value of column `key` as its list sorts it: text as shown,
 * null as "", booleans as "0"/"1", names by their pinyin. */
static void column_value(json_t *it, const char *key, char *buf, size_t bufsz)
{
    json_t *v = json_object_get(it, key);
    if (strcmp(key, "name") == 0)
        pinyin_sort_key(json_string_value(v), buf);
    else if (json_is_boolean(v))
        snprintf(buf, bufsz, "%d", json_is_true(v));
    else
        snprintf(buf, bufsz, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Every row of `path` once, by cursor, in (key, id) order in `sort`'s direction. */
static void assert_walk_sorted(const char *path_in, const char *sort_in)
{
    char path[256], sort[64];   /* fmt's buffers rotate: copies */
    snprintf(path, sizeof path, "%s", path_in);
    snprintf(sort, sizeof sort, "%s", sort_in);
    int pages, desc = sort[0] == '-';
    const char *key = sort + desc;
    json_t *all = walk_by_cursor(t_street, fmt("%s&sort=%s", path, sort), 100, &pages);
    json_t *total = get_ok(t_street, fmt("%s&page_size=20", path));
    if (json_is_true(json_object_get(total, "total_is_estimate")))   /* counted up to this file's cap */
        assert_true((long long)json_array_size(all) > jint(total, "total"));
    else
        assert_int_equal((long long)json_array_size(all), jint(total, "total"));
    json_decref(total);
    char a[PINYIN_MAX], b[PINYIN_MAX];
    for (size_t i = 1; i < json_array_size(all); i++) {
        json_t *x = json_array_get(all, i - 1), *y = json_array_get(all, i);
        column_value(x, key, a, sizeof a);
        column_value(y, key, b, sizeof b);
        int c = strcmp(a, b);
        if (!c)
            c = jint(x, "id") < jint(y, "id") ? -1 : 1;
        if (desc ? c < 0 : c > 0)
            print_error("%s sort=%s: row %zu (id %lld, %s) before row %zu (id %lld, %s)\n", path, sort, i - 1,
                        jint(x, "id"), a, i, jint(y, "id"), b);
        assert_true(desc ? c > 0 : c < 0);
        for (size_t k = 0; k < i; k++)
            assert_true(item_id(all, k) != item_id(all, i));
    }
    json_decref(all);
}

/* Issue 9: any listed column sorts, both ways, ties by id, across pages
 * (the cursor carries the value); street and community rows name the
 * community as well as the grid. */
static void every_listed_column_sorts_both_ways(void **state)
{
    (void)state;
    static const char *const RESIDENT_KEYS[] = {
        "name", "sex", "relation", "hukou_type", "residence_status", "employment", "party_member", "status",
        "status_date", "created_at", "updated_at", "household_code", "grid_name", "community_name", NULL};
    static const char *const HOUSEHOLD_KEYS[] = {
        "code", "address", "status", "created_at", "updated_at", "registered_address", "actual_address",
        "building_name", "grid_name", "community_name", "head_name", NULL};
    for (size_t i = 0; RESIDENT_KEYS[i]; i++)
        for (int d = 0; d < 2; d++)
            assert_walk_sorted(fmt("/api/v1/residents?org_unit_id=%lld&status=all", c001),
                               fmt("%s%s", d ? "-" : "", RESIDENT_KEYS[i]));
    for (size_t i = 0; HOUSEHOLD_KEYS[i]; i++)
        for (int d = 0; d < 2; d++)
            assert_walk_sorted(fmt("/api/v1/households?org_unit_id=%lld&status=all", c001),
                               fmt("%s%s", d ? "-" : "", HOUSEHOLD_KEYS[i]));
    /* the street's list sorted by community: the names, not just ids */
    json_t *j = get_ok(t_street, "/api/v1/residents?sort=-community_name&page_size=20");
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(jstr(it, "community_name"));
    assert_true(jint(it, "community_id") > 0);
    assert_non_null(jstr(it, "grid_name"));
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", c001));
    size_t n;
    json_array_foreach(json_object_get(j, "items"), n, it)
        assert_int_equal(jint(it, "community_id"), c001);
    json_decref(j);
    expect_400_field(t_street, "GET", "/api/v1/residents?sort=phone", NULL, "sort");
    expect_400_field(t_street, "GET", "/api/v1/residents?sort=notes", NULL, "sort");
    expect_400_field(t_street, "GET", "/api/v1/households?sort=phone", NULL, "sort");
}

/* A cursor that is not one the server made for this list and sort is
 * 400 on "cursor" with a Chinese message, never a crash or SQL error. */
static void bad_cursors_are_400(void **state)
{
    (void)state;
    json_t *j;
    char *c = first_cursor(t_street, "/api/v1/residents?page_size=20&sort=name");
    char *hc = first_cursor(t_street, "/api/v1/households?page_size=20");
    size_t n = strlen(c);
    char *flipped = strdup(c), *cut = strndup(c, n - 3), *longer = malloc(4000);
    flipped[n / 2] = flipped[n / 2] == 'A' ? 'B' : 'A';
    memset(longer, 'A', 3999);
    longer[3999] = '\0';
    const char *const BAD[] = {"abc", flipped, cut, "", "%2B%2F%3D", "!!!!", "AAAA", longer,
                               "eyJuYW1lIjoi546LIiwiaWQiOjF9" /* base64 of a JSON guess */, NULL};
    for (size_t i = 0; BAD[i]; i++) {
        j = req(t_street, "GET", fmt("/api/v1/residents?page_size=20&cursor=%s", BAD[i]), NULL, 400);
        assert_string_equal(err_field(j), "cursor");
        assert_non_null(strstr(err_message(j), "cursor"));
        json_decref(j);
    }
    /* made for another sort, another list, or sent with page */
    expect_400_field(t_street, "GET", fmt("/api/v1/residents?sort=-id&cursor=%s", c), NULL, "cursor");
    expect_400_field(t_street, "GET", fmt("/api/v1/residents?sort=-name&cursor=%s", c), NULL, "cursor");
    expect_400_field(t_street, "GET", fmt("/api/v1/residents?cursor=%s", hc), NULL, "cursor");
    expect_400_field(t_street, "GET", fmt("/api/v1/households?cursor=%s", c), NULL, "cursor");
    expect_400_field(t_street, "GET", fmt("/api/v1/residents?page=2&cursor=%s", c), NULL, "page");
    /* the page cap names the way past it */
    j = req(t_street, "GET", "/api/v1/residents?page=101&page_size=100", NULL, 400);
    assert_string_equal(err_field(j), "page");
    assert_non_null(strstr(err_message(j), "cursor"));
    json_decref(j);
    free(c);
    free(hc);
    free(flipped);
    free(cut);
    free(longer);
}

/* A grid worker's cursor, or the street's, shows the grid worker only
 * their grid; a unit outside their scope stays 404 with any cursor. */
static void a_cursor_does_not_widen_scope(void **state)
{
    (void)state;
    json_t *j;
    char *street_cursor = first_cursor(t_street, "/api/v1/residents?page_size=20");
    char *grid_cursor = first_cursor(t_g0101, "/api/v1/residents?page_size=20");
    const char *cursors[] = {street_cursor, grid_cursor};
    for (int i = 0; i < 2; i++) {
        j = get_ok(t_g0101, fmt("/api/v1/residents?page_size=100&cursor=%s", cursors[i]));
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(j, "items"), k, it)
            assert_int_equal(jint(it, "grid_id"), grid_a);
        json_decref(j);
        json_decref(req(t_g0101, "GET", fmt("/api/v1/residents?org_unit_id=%lld&cursor=%s", c001, cursors[i]), NULL,
                        404));
        json_decref(req(t_g0101, "GET", fmt("/api/v1/residents?org_unit_id=%lld&cursor=%s", grid_b, cursors[i]), NULL,
                        404));
    }
    free(street_cursor);
    free(grid_cursor);
}

/* A masked list sorted by birth date sorts by birth year (what it
 * shows), and its cursor shows nothing in clear: neither the last row's
 * birth date, year or name. It does not serve the unmasked sort. */
static void a_masked_cursor_shows_no_more_than_the_reply(void **state)
{
    (void)state;
    json_t *j = get_ok(t_street, "/api/v1/residents?page_size=20&sort=birth_date");
    json_t *last = json_array_get(json_object_get(j, "items"), 19);
    assert_null(json_object_get(last, "birth_date"));
    const char *cursor = jstr(j, "next_cursor");
    assert_non_null(cursor);
    /* URL-safe, unpadded base64 */
    for (const char *p = cursor; *p; p++)
        assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                    *p == '_');
    unsigned char bin[2048];
    size_t len = 0;
    /* decode base64url by hand */
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = cursor; *p && len < sizeof bin; p++) {
        int v = *p >= 'A' && *p <= 'Z' ? *p - 'A' : *p >= 'a' && *p <= 'z' ? *p - 'a' + 26
              : *p >= '0' && *p <= '9' ? *p - '0' + 52 : *p == '-' ? 62 : 63;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bin[len++] = (unsigned char)(acc >> bits);
        }
    }
    char year[8];
    snprintf(year, sizeof year, "%lld", jint(last, "birth_year"));
    const char *name = jstr(last, "name");
    assert_null(memmem(bin, len, year, strlen(year)));
    assert_null(memmem(bin, len, name, strlen(name)));
    assert_null(strstr(cursor, year));
    /* the walk by year: every row once, in (year, id) order */
    int pages;
    json_t *a = walk_by_cursor(t_street, "/api/v1/residents?sort=birth_date", 50, &pages);
    assert_sorted(a, "birth_date");
    json_decref(a);
    /* the masked sort's cursor is not the unmasked sort's (full_id=1) */
    expect_400_field(t_street, "GET", fmt("/api/v1/residents?full_id=1&sort=birth_date&cursor=%s", cursor), NULL,
                     "cursor");
    json_decref(j);
}

/* A cursor outlives a restart of the server (its key comes from the
 * database's key file, not from the process), so a user paging through
 * a long list, or a second server process behind a load balancer, goes
 * on where the page left off. Runs last: the restart ends the sessions. */
static void a_cursor_survives_a_restart(void **state)
{
    (void)state;
    json_t *before = get_ok(t_street, "/api/v1/residents?page_size=20&sort=name");
    char *c = next_cursor_of(before);
    json_t *want = get_ok(t_street, fmt("/api/v1/residents?page_size=20&sort=name&cursor=%s", c));
    assert_int_equal(server_halt(&srv), 0);
    assert_int_equal(server_launch(&srv, registry_serve_args), 0);
    char *tok = login(&srv, "jiedao", DEMO_PW);
    json_t *got = get_ok(tok, fmt("/api/v1/residents?page_size=20&sort=name&cursor=%s", c));
    json_t *a = json_object_get(want, "items"), *b = json_object_get(got, "items");
    assert_int_equal(json_array_size(a), 20);
    assert_int_equal(json_array_size(b), 20);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(jint(json_array_get(a, i), "id"), jint(json_array_get(b, i), "id"));
    json_decref(before);
    json_decref(want);
    json_decref(got);
    free(c);
    free(tok);
}

int main(void)
{
    static const char *const ARGS[] = {"--count-cap", "20", NULL};
    registry_serve_args = ARGS;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unit_totals_are_the_maintained_counts),
        cmocka_unit_test(unit_totals_equal_every_row),
        cmocka_unit_test(searches_count_up_to_the_cap),
        cmocka_unit_test(cursor_walks_every_row_once_in_order),
        cmocka_unit_test(name_searches_walk_as_they_sort),
        cmocka_unit_test(ties_and_inserts_between_pages),
        cmocka_unit_test(every_listed_column_sorts_both_ways),
        cmocka_unit_test(bad_cursors_are_400),
        cmocka_unit_test(a_cursor_does_not_widen_scope),
        cmocka_unit_test(a_masked_cursor_shows_no_more_than_the_reply),
        cmocka_unit_test(a_cursor_survives_a_restart),
    };
    return cmocka_run_group_tests_name("api_list_paging", tests, registry_setup, registry_teardown);
}
