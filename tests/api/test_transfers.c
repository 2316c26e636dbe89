/* test_transfers.c — household numbers issued by the system, the 409
 * that says where an ID number is registered, and transfer-in requests
 * (迁入申请) between communities, against the real server:
 *
 *   - a household created without a code gets "<grid code>-<next
 *     serial>" (two at once never the same), a move to another grid
 *     gives it a number there, and the old number still finds it, says
 *     so, and is never given again; a number in another grid's format is
 *     refused, by the API and by the import;
 *   - registering (or importing) an ID number registered elsewhere in the
 *     street answers where, at community level ("已在××社区登记，可发起
 *     迁入申请"), and inside the caller's scope the grid and household;
 *   - the receiving community files a request by ID number and learns
 *     only the community and a masked name; the releasing grid (or its
 *     community, or the street) accepts — the person moves with history,
 *     a person marked 迁出 comes back active — or refuses with a reason;
 *     the receiving side may withdraw; a third community and another
 *     grid's worker see and do nothing; a head with members is refused
 *     with a message; overdue requests are flagged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

static char *t_c02, *t_g0102, *t_g0201;
static long long grid_c2a, grid_c2b, hh_c2;   /* community 002's grids 01 and 02; a household in 02 */
static char c001_name[128], c002_name[128], grid_a_name[128];

/* ---- helpers --------------------------------------------------------------- */

static void name_of(long long unit, char out[128])
{
    json_t *j = get_ok(t_street, fmt("/api/v1/org-units/%lld", unit));
    snprintf(out, 128, "%s", jstr(j, "name"));
    json_decref(j);
}

static const char *full_id_of(long long rid)
{
    static char out[4][19];
    static int next;
    char *o = out[next++ % 4];
    json_t *j = get_ok(t_street, fmt("/api/v1/residents/%lld?full_id=1", rid));
    snprintf(o, 19, "%s", jstr(j, "id_number"));
    json_decref(j);
    return o;
}

/* An active resident of unit `unit` who is not a 户主, not used before. */
static long long pick_member(long long unit)
{
    static long long used[64];
    static int nused;
    json_t *j = get_ok(t_street, fmt("/api/v1/residents?org_unit_id=%lld&sort=id&page_size=100", unit));
    size_t i;
    json_t *it;
    long long found = 0;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        long long id = jint(it, "id");
        int seen = 0;
        for (int k = 0; k < nused; k++)
            seen |= used[k] == id;
        if (!found && !seen && strcmp(jstr(it, "relation"), "户主") != 0)
            found = id;
    }
    json_decref(j);
    assert_true(found > 0);
    used[nused++] = found;
    return found;
}

static json_t *file_transfer(const char *tok, const char *idn, long long hh, long want)
{
    return req(tok, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld,\"relation\":\"子\"}", idn, hh),
               want);
}

static long long household_of(const char *tok, long long rid)
{
    json_t *j = get_ok(tok, fmt("/api/v1/residents/%lld", rid));
    long long h = jint(j, "household_id");
    json_decref(j);
    return h;
}

/* The actions offered, joined with commas ("accept,refuse"). */
static const char *actions_of(json_t *t)
{
    static char out[128];
    size_t i, n = 0;
    json_t *a;
    out[0] = '\0';
    json_array_foreach(json_object_get(t, "actions"), i, a)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? "," : "", jstr(a, "action"));
    return out;
}

static int list_has(const char *tok, const char *query, long long id)
{
    return api_list_has(&srv, tok, fmt("/api/v1/transfers%s", query), id);
}

/* Request `id` as list `query` shows it to tok (asserted present), and
 * as GET /transfers/{id} does: the two must agree but for the timeline
 * (a list shows no more of the person than the request itself). */
static json_t *list_item(const char *tok, const char *query, long long id)
{
    json_t *j = get_ok(tok, fmt("/api/v1/transfers%s", query)), *it, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        if (jint(it, "id") == id)
            found = json_incref(it);
    }
    json_decref(j);
    assert_non_null(found);
    json_t *one = get_ok(tok, fmt("/api/v1/transfers/%lld", id));
    assert_non_null(json_object_get(one, "timeline"));
    json_object_del(one, "timeline");
    assert_true(json_equal(found, one));
    json_decref(one);
    return found;
}

static void expect_error(const char *tok, const char *method, const char *path, const char *body, long want,
                         const char *message)
{
    json_t *j = req(tok, method, path, body, want);
    assert_string_equal(err_message(j), message);
    json_decref(j);
}

static int setup(void **state)
{
    if (registry_setup(state) != 0)
        return -1;
    t_c02 = login(&srv, "shequ02", DEMO_PW);
    t_g0102 = login(&srv, "wangge0102", DEMO_PW);
    t_g0201 = login(&srv, "wangge0201", DEMO_PW);
    grid_c2a = org_id_by_code(&srv, t_street, C002_CODE "-01");
    grid_c2b = org_id_by_code(&srv, t_street, C002_CODE "-02");
    if (!t_c02 || !t_g0102 || !t_g0201 || !grid_c2a || !grid_c2b)
        return -1;
    json_t *j = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", grid_c2b));
    hh_c2 = jint(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);
    name_of(c001, c001_name);
    name_of(c002, c002_name);
    name_of(grid_a, grid_a_name);
    return hh_c2 > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    free(t_c02);
    free(t_g0102);
    free(t_g0201);
    return registry_teardown(state);
}

/* ---- household numbers ------------------------------------------------------ */

/* The highest serial of the grid's numbers in the system's format. */
static long top_serial(long long grid, const char *grid_code)
{
    json_t *j = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&status=all&sort=-code&page_size=20", grid));
    const char *code = jstr(json_array_get(json_object_get(j, "items"), 0), "code");
    size_t n = strlen(grid_code);
    long top = code && strncmp(code, grid_code, n) == 0 && code[n] == '-' ? atol(code + n + 1) : 0;
    json_decref(j);
    return top;
}

static long long create_numbered(const char *tok, long long grid, char code[64])
{
    json_t *j = req(tok, "POST", "/api/v1/households", fmt("{\"grid_id\":%lld,\"address\":\"编号测试路1号\"}", grid), 201);
    long long id = jint(j, "id");
    snprintf(code, 64, "%s", jstr(j, "code"));
    json_decref(j);
    return id;
}

static void household_numbers_issued_and_reissued(void **state)
{
    char c1[64], c2[64], want[64];
    long top = top_serial(grid_a, GRID_A_CODE);
    long long h1 = create_numbered(t_g0101, grid_a, c1);
    create_numbered(t_g0101, grid_a, c2);
    snprintf(want, sizeof want, GRID_A_CODE "-%04ld", top + 1);
    assert_string_equal(c1, want);
    snprintf(want, sizeof want, GRID_A_CODE "-%04ld", top + 2);
    assert_string_equal(c2, want);

    /* moved to grid B: a number of grid B; the old one still finds it, and says so */
    long top_b = top_serial(grid_b, GRID_B_CODE);
    json_t *j = req(t_c01, "POST", fmt("/api/v1/households/%lld/move", h1), fmt("{\"grid_id\":%lld}", grid_b), 200);
    snprintf(want, sizeof want, GRID_B_CODE "-%04ld", top_b + 1);
    assert_string_equal(jstr(j, "code"), want);
    json_decref(j);
    j = get_ok(t_c01, fmt("/api/v1/households?q=%s&status=all", c1));
    assert_int_equal(jint(j, "total"), 1);
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(jint(it, "id"), h1);
    assert_string_equal(jstr(it, "code"), want);
    assert_string_equal(jstr(it, "former_code"), c1);
    const char *note = jstr(it, "former_code_note");
    assert_non_null(strstr(note, fmt("%s 是该户的曾用户编号（使用至 20", c1)));
    assert_non_null(strstr(note, "，迁入其他网格时重新编号）"));
    json_decref(j);
    /* not in the grid worker's scope any more: found by neither number */
    assert_int_equal(total_of(t_g0101, fmt("/api/v1/households?q=%s&status=all", c1)), 0);

    /* a former number is never given again, nor issued */
    expect_error(t_c01, "POST", "/api/v1/households",
                 fmt("{\"code\":\"%s\",\"grid_id\":%lld,\"address\":\"x\"}", c1, grid_a), 409,
                 fmt("户编号“%s”是另一户的曾用编号，不能再用", c1));
    char c3[64];
    create_numbered(t_c01, grid_a, c3);
    snprintf(want, sizeof want, GRID_A_CODE "-%04ld", top + 3);
    assert_string_equal(c3, want);
    /* another grid's format is refused; a legacy number is kept as given */
    j = req(t_c01, "POST", "/api/v1/households",
            fmt("{\"code\":\"" GRID_B_CODE "-0999\",\"grid_id\":%lld,\"address\":\"x\"}", grid_a), 400);
    assert_string_equal(err_field(j), "code");
    assert_string_equal(err_message(j), "户编号“" GRID_B_CODE "-0999”以网格“" GRID_B_CODE "”的编码开头，与所属网格不符");
    json_decref(j);
    json_decref(req(t_c01, "POST", "/api/v1/households",
                    fmt("{\"code\":\"老编号-0001-甲\",\"grid_id\":%lld,\"address\":\"x\"}", grid_a), 201));

    /* the import says the same in its row error */
    const char *csv = fmt("姓名,身份证号,与户主关系,网格编码,户编号,地址\n编号导入,%s,户主," GRID_A_CODE ","
                          GRID_B_CODE "-0888,编号测试路2号\n", new_id());
    json_t *rep = NULL;
    assert_int_equal(api_import(&srv, t_c01, "", csv, strlen(csv), &rep), 400);
    json_t *e = json_array_get(json_object_get(json_object_get(rep, "report"), "errors"), 0);
    assert_string_equal(jstr(e, "field"), "household_code");
    assert_string_equal(jstr(e, "message"),
                        "户编号“" GRID_B_CODE "-0888”以网格“" GRID_B_CODE "”的编码开头，与所属网格不符");
    json_decref(rep);
}

typedef struct creation {
    const char *body;
    long status;
    char code[64];
} creation;

static void *create_one(void *arg)
{
    creation *c = arg;
    json_t *j = NULL;
    c->status = api_send(&srv, "POST", t_c01, "/api/v1/households", c->body, &j);
    const char *code = j ? jstr(j, "code") : NULL;
    snprintf(c->code, sizeof c->code, "%s", code ? code : "");
    json_decref(j);
    return NULL;
}

static void two_creations_at_once_get_two_numbers(void **state)
{
    enum { N = 8 };
    creation c[N];
    pthread_t th[N];
    char body[128];
    snprintf(body, sizeof body, "{\"grid_id\":%lld,\"address\":\"并发路1号\"}", grid_b);
    for (int i = 0; i < N; i++) {
        c[i] = (creation){.body = body};
        assert_int_equal(pthread_create(&th[i], NULL, create_one, &c[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        assert_int_equal(c[i].status, 201);
        assert_memory_equal(c[i].code, GRID_B_CODE "-", strlen(GRID_B_CODE) + 1);
        for (int k = 0; k < i; k++)
            assert_string_not_equal(c[i].code, c[k].code);
    }
}

/* ---- the 409 -------------------------------------------------------------------- */

static void conflict_says_where_at_the_callers_level(void **state)
{
    /* inside the scope: grid and household, as the API shows them there */
    long long own = pick_member(grid_a);
    json_t *r = get_ok(t_street, fmt("/api/v1/residents/%lld", own));
    char own_code[64];
    snprintf(own_code, sizeof own_code, "%s", jstr(r, "household_code"));
    json_decref(r);
    long long hh = create_household(t_g0101, "T-TR-409", grid_a, 0);
    expect_error(t_g0101, "POST", "/api/v1/residents",
                 fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复登记\"}", hh, full_id_of(own)), 409,
                 fmt("该身份证号已登记：网格“%s”，户编号 %s", grid_a_name, own_code));
    /* in the street, outside the scope: the community only */
    long long far = pick_member(grid_c2a);
    const char *far_id = full_id_of(far);
    const char *hint = fmt("该身份证号已在%s登记，可发起迁入申请", c002_name);
    char hint_copy[256];
    snprintf(hint_copy, sizeof hint_copy, "%s", hint);
    expect_error(t_g0101, "POST", "/api/v1/residents",
                 fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复登记\"}", hh, far_id), 409, hint_copy);
    /* marked moved out there: the same */
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", far), "{\"status\":\"moved_out\"}", 200));
    expect_error(t_c01, "POST", "/api/v1/residents",
                 fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"重复登记\"}", hh, far_id), 409, hint_copy);
    /* the import's row error says it too */
    const char *csv = fmt("姓名,身份证号,与户主关系,网格编码,户编号,地址\n重复导入,%s,子," GRID_A_CODE ",T-TR-409,x\n", far_id);
    json_t *rep = NULL;
    assert_int_equal(api_import(&srv, t_c01, "", csv, strlen(csv), &rep), 400);
    json_t *e = json_array_get(json_object_get(json_object_get(rep, "report"), "errors"), 0);
    assert_string_equal(jstr(e, "field"), "id_number");
    assert_string_equal(jstr(e, "message"), hint_copy);
    json_decref(rep);
}

/* ---- transfers ------------------------------------------------------------------- */

static void accepted_transfer_moves_the_person(void **state)
{
    long long p = pick_member(grid_a), from_hh = household_of(t_street, p);
    json_t *r = get_ok(t_street, fmt("/api/v1/residents/%lld", p));
    char name[64], masked[16];
    snprintf(name, sizeof name, "%s", jstr(r, "name"));
    json_decref(r);
    int first = (name[0] & 0x80) ? 3 : 1;
    snprintf(masked, sizeof masked, "%.*s*", first, name);

    /* filed by the receiving community: the community and a masked name, no more */
    json_t *t = file_transfer(t_c02, full_id_of(p), hh_c2, 201);
    long long id = jint(t, "id");
    assert_string_equal(jstr(t, "state"), "requested");
    assert_string_equal(jstr(t, "state_label"), "待审核");
    assert_string_equal(jstr(t, "side"), "receiving");
    assert_false(json_is_true(json_object_get(t, "overdue")));
    assert_non_null(jstr(t, "due_at"));
    assert_string_equal(jstr(t, "registered_in"), c001_name);
    json_t *person = json_object_get(t, "person");
    assert_string_equal(jstr(person, "name"), masked);
    assert_null(json_object_get(person, "resident_id"));
    assert_null(json_object_get(person, "from_household_id"));
    assert_int_equal(jint(json_object_get(t, "to"), "household_id"), hh_c2);
    assert_string_equal(actions_of(t), "withdraw");
    json_decref(t);
    json_decref(req(t_c02, "GET", fmt("/api/v1/residents/%lld", p), NULL, 404));

    /* another grid's worker (either community) sees and does nothing */
    json_decref(req(t_g0102, "GET", fmt("/api/v1/transfers/%lld", id), NULL, 404));
    json_decref(req(t_g0102, "POST", fmt("/api/v1/transfers/%lld/accept", id), "{}", 404));
    json_decref(req(t_g0201, "GET", fmt("/api/v1/transfers/%lld", id), NULL, 404));
    json_decref(req(t_g0201, "POST", fmt("/api/v1/transfers/%lld/withdraw", id), "{}", 404));
    assert_false(list_has(t_g0102, "", id));
    assert_false(list_has(t_g0201, "", id));
    /* the receiving side cannot accept its own request */
    json_t *j = req(t_c02, "POST", fmt("/api/v1/transfers/%lld/accept", id), "{}", 403);
    assert_string_equal(err_code(j), "forbidden");
    json_decref(j);

    /* the releasing grid sees the person and may decide */
    t = get_ok(t_g0101, fmt("/api/v1/transfers/%lld", id));
    assert_string_equal(jstr(t, "side"), "releasing");
    assert_string_equal(jstr(json_object_get(t, "person"), "name"), name);
    assert_int_equal(jint(json_object_get(t, "person"), "resident_id"), p);
    assert_string_equal(jstr(t, "registered_in"), grid_a_name);
    assert_string_equal(jstr(json_object_get(t, "to"), "unit"), c002_name);
    assert_null(json_object_get(json_object_get(t, "to"), "household_id"));
    assert_string_equal(actions_of(t), "accept,refuse");
    json_decref(t);
    assert_true(list_has(t_g0101, "?side=releasing", id));
    assert_false(list_has(t_g0101, "?side=receiving", id));
    assert_true(list_has(t_c01, "?status=requested", id));
    assert_true(list_has(t_c02, "?side=receiving&status=requested", id));
    assert_false(list_has(t_c02, "?status=accepted", id));
    /* the list, each side: the receiving side's item masks the person as the request does */
    json_t *item = list_item(t_c02, "?side=receiving", id);
    assert_string_equal(jstr(json_object_get(item, "person"), "name"), masked);
    assert_null(json_object_get(json_object_get(item, "person"), "resident_id"));
    assert_string_equal(jstr(item, "registered_in"), c001_name);
    json_decref(item);
    item = list_item(t_g0101, "?side=releasing", id);
    assert_int_equal(jint(json_object_get(item, "person"), "resident_id"), p);
    assert_string_equal(jstr(json_object_get(item, "to"), "unit"), c002_name);
    json_decref(item);

    t = req(t_g0101, "POST", fmt("/api/v1/transfers/%lld/accept", id), "{\"opinion\":\"同意迁入\"}", 200);
    assert_string_equal(jstr(t, "state"), "accepted");
    assert_non_null(jstr(t, "closed_at"));
    assert_string_equal(actions_of(t), "");
    json_t *tl = json_object_get(t, "timeline");
    assert_int_equal(json_array_size(tl), 2);
    assert_string_equal(jstr(json_array_get(tl, 1), "action_label"), "同意");
    assert_string_equal(jstr(json_array_get(tl, 1), "opinion"), "同意迁入");
    json_decref(t);

    /* moved, with its history; the receiving side sees the person now, the releasing side no more */
    r = get_ok(t_c02, fmt("/api/v1/residents/%lld", p));
    assert_int_equal(jint(r, "household_id"), hh_c2);
    assert_string_equal(jstr(r, "relation"), "子");
    assert_string_equal(jstr(r, "status"), "active");
    json_decref(r);
    json_decref(req(t_g0101, "GET", fmt("/api/v1/residents/%lld", p), NULL, 404));
    json_t *hist = get_ok(t_c02, fmt("/api/v1/residents/%lld/history", p));
    json_t *moved = last_event(hist, "moved");
    assert_non_null(moved);
    assert_int_equal(jint(moved, "from_household_id"), from_hh);
    assert_int_equal(jint(moved, "to_household_id"), hh_c2);
    json_decref(hist);
    t = get_ok(t_c02, fmt("/api/v1/transfers/%lld", id));
    assert_string_equal(jstr(json_object_get(t, "person"), "name"), name);
    assert_int_equal(jint(json_object_get(t, "person"), "resident_id"), p);
    json_decref(t);
    /* audited: the case's two steps and the resident's move */
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?entity=wf_case&entity_id=%lld", id)), 2);
    assert_int_equal(total_of(t_auditor, fmt("/api/v1/audit?entity=resident&entity_id=%lld&action=move", p)), 1);
    /* closed: no more steps */
    json_decref(req(t_c02, "POST", fmt("/api/v1/transfers/%lld/withdraw", id), "{}", 409));
}

static void moved_out_person_refused_then_accepted(void **state)
{
    long long p = pick_member(c001);
    const char *idn = full_id_of(p);
    char idc[19];
    snprintf(idc, sizeof idc, "%s", idn);
    json_decref(req(t_street, "POST", fmt("/api/v1/residents/%lld/status", p), "{\"status\":\"moved_out\"}", 200));
    expect_error(t_c02, "POST", "/api/v1/residents",
                 fmt("{\"household_id\":%lld,\"id_number\":\"%s\",\"name\":\"再次登记\"}", hh_c2, idc), 409,
                 fmt("该身份证号已在%s登记，可发起迁入申请", c001_name));

    json_t *t = file_transfer(t_c02, idc, hh_c2, 201);
    long long id = jint(t, "id");
    json_decref(t);
    /* refusing needs a reason; the street may decide */
    json_t *j = req(t_street, "POST", fmt("/api/v1/transfers/%lld/refuse", id), "{}", 400);
    assert_string_equal(err_field(j), "opinion");
    json_decref(j);
    t = req(t_street, "POST", fmt("/api/v1/transfers/%lld/refuse", id), "{\"opinion\":\"材料不全\"}", 200);
    assert_string_equal(jstr(t, "state"), "refused");
    assert_string_equal(jstr(t, "side"), "both");
    json_decref(t);
    t = get_ok(t_c02, fmt("/api/v1/transfers/%lld", id));
    assert_string_equal(jstr(t, "state_label"), "已拒绝");
    assert_string_equal(jstr(json_array_get(json_object_get(t, "timeline"), 1), "opinion"), "材料不全");
    json_decref(t);

    /* filed again (a closed request does not block), accepted by the community */
    t = file_transfer(t_c02, idc, hh_c2, 201);
    id = jint(t, "id");
    json_decref(t);
    json_decref(req(t_c01, "POST", fmt("/api/v1/transfers/%lld/accept", id), "{}", 200));
    json_t *r = get_ok(t_c02, fmt("/api/v1/residents/%lld", p));
    assert_string_equal(jstr(r, "status"), "active");
    assert_int_equal(jint(r, "household_id"), hh_c2);
    json_decref(r);
    json_t *hist = get_ok(t_c02, fmt("/api/v1/residents/%lld/history", p));
    assert_non_null(last_event(hist, "moved_out"));
    assert_non_null(last_event(hist, "reopened"));
    assert_non_null(last_event(hist, "moved"));
    json_decref(hist);
}

static void head_with_members_refused_and_withdrawn(void **state)
{
    json_t *j = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=100", grid_a));
    size_t i;
    json_t *it;
    long long head = 0, hh = 0;
    json_array_foreach(json_object_get(j, "items"), i, it) {
        json_t *h = json_object_get(it, "head_resident_id");
        if (!head && jint(it, "member_count") >= 2 && json_is_integer(h)) {
            head = json_integer_value(h);
            hh = jint(it, "id");
        }
    }
    json_decref(j);
    assert_true(head > 0);
    json_t *t = file_transfer(t_c02, full_id_of(head), hh_c2, 201);
    long long id = jint(t, "id");
    json_decref(t);
    expect_error(t_g0101, "POST", fmt("/api/v1/transfers/%lld/accept", id), "{}", 400,
                 "该居民是原户户主，户内还有其他在册成员：请先为原户指定新户主，再同意迁入");
    t = get_ok(t_g0101, fmt("/api/v1/transfers/%lld", id));
    assert_string_equal(jstr(t, "state"), "requested");
    json_decref(t);
    assert_int_equal(household_of(t_street, head), hh);
    /* the receiving side withdraws; then nobody decides it */
    t = req(t_c02, "POST", fmt("/api/v1/transfers/%lld/withdraw", id), "{\"opinion\":\"另行安排\"}", 200);
    assert_string_equal(jstr(t, "state_label"), "已撤回");
    json_decref(t);
    json_decref(req(t_g0101, "POST", fmt("/api/v1/transfers/%lld/refuse", id), "{\"opinion\":\"x\"}", 409));
}

static void filing_is_refused_with_a_reason(void **state)
{
    /* not registered */
    const char *unknown = new_id();
    expect_error(t_c02, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld}", unknown, hh_c2),
                 404, "该身份证号未登记，请直接登记居民");
    /* already in the filer's scope */
    long long own = pick_member(c002);
    expect_error(t_c02, "POST", "/api/v1/transfers",
                 fmt("{\"id_number\":\"%s\",\"household_id\":%lld}", full_id_of(own), hh_c2), 400,
                 "该居民已在您的管辖范围内，请直接办理迁移");
    /* one open request per person */
    long long p = pick_member(c001);
    char idn[19];
    snprintf(idn, sizeof idn, "%s", full_id_of(p));
    json_t *t = file_transfer(t_c02, idn, hh_c2, 201);
    long long id = jint(t, "id");
    json_decref(t);
    expect_error(t_c02, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld}", idn, hh_c2),
                 409, "该居民已有待审核的迁入申请");
    json_decref(req(t_c02, "POST", fmt("/api/v1/transfers/%lld/withdraw", id), "{}", 200));
    /* a household outside the filer's scope; a bad ID number; the street files nothing; viewers see nothing */
    json_t *hl = get_ok(t_street, fmt("/api/v1/households?org_unit_id=%lld&page_size=20", grid_a));
    long long hh_a = jint(json_array_get(json_object_get(hl, "items"), 0), "id");
    json_decref(hl);
    json_decref(req(t_c02, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld}", idn, hh_a), 404));
    json_t *j = req(t_c02, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld}",
                                                             bad_checksum(idn), hh_c2), 400);
    assert_string_equal(err_field(j), "id_number");
    json_decref(j);
    json_decref(req(t_street, "POST", "/api/v1/transfers", fmt("{\"id_number\":\"%s\",\"household_id\":%lld}", idn, hh_c2), 403));
    json_decref(req(t_viewer, "GET", "/api/v1/transfers", NULL, 403));
    json_decref(req(t_c02, "GET", "/api/v1/transfers?page_size=30", NULL, 400));
    json_decref(req(t_c02, "GET", "/api/v1/transfers?status=open", NULL, 400));
}

static void overdue_requests_are_flagged(void **state)
{
    long long p1 = pick_member(grid_b), p2 = pick_member(grid_b);
    json_t *t = file_transfer(t_c02, full_id_of(p1), hh_c2, 201);
    long long late = jint(t, "id");
    json_decref(t);
    t = file_transfer(t_c02, full_id_of(p2), hh_c2, 201);
    long long fresh = jint(t, "id");
    json_decref(t);
    server_sql(&srv, fmt("UPDATE wf_case SET due_at = '2026-01-05 16:00:00' WHERE id = %lld", late));
    assert_true(list_has(t_c01, "?overdue=1", late));
    assert_false(list_has(t_c01, "?overdue=1", fresh));
    t = get_ok(t_c02, fmt("/api/v1/transfers/%lld", late));
    assert_true(json_is_true(json_object_get(t, "overdue")));
    json_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(household_numbers_issued_and_reissued),
        cmocka_unit_test(two_creations_at_once_get_two_numbers),
        cmocka_unit_test(conflict_says_where_at_the_callers_level),
        cmocka_unit_test(accepted_transfer_moves_the_person),
        cmocka_unit_test(moved_out_person_refused_then_accepted),
        cmocka_unit_test(head_with_members_refused_and_withdrawn),
        cmocka_unit_test(filing_is_refused_with_a_reason),
        cmocka_unit_test(overdue_requests_are_flagged),
    };
    return cmocka_run_group_tests_name("api_transfers", tests, setup, teardown);
}
