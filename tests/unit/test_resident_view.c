/* test_resident_view.c — unit tests for registry/resident_view: the
 * resident and household objects written by the streaming writer
 * (resident_write_json, household_write_json) are byte for byte
 * json_dumps(JSON_COMPACT) of the jansson objects (resident_json,
 * household_json), for every role, with and without full_id, as list
 * rows and as views, in the audit image, and for records with empty
 * and NULL columns, every tag, text needing escapes, and bytes that are
 * not UTF-8 (kept as '?' by both). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "registry/resident_view.h"

static const unsigned ROLES[] = {ROLE_ADMIN, ROLE_SECADMIN, ROLE_AUDITOR, ROLE_STREET,
                                 ROLE_COMMUNITY, ROLE_GRID, ROLE_VIEWER};

static void resident_sample(resident *r, int variant)
{
    memset(r, 0, sizeof *r);
    r->id = 1000 + variant;
    snprintf(r->id_number, sizeof r->id_number, "%s", variant % 2 ? "110101195607154735" : "37170219900101002X");
    snprintf(r->name, sizeof r->name, "%s", variant % 3 ? "柯\"测试\"" : "张三");
    snprintf(r->sex, sizeof r->sex, "%s", variant % 2 ? "M" : "F");
    snprintf(r->birth_date, sizeof r->birth_date, "%s", variant % 2 ? "1956-07-15" : "1990-01-01");
    r->household_id = 77;
    snprintf(r->household_code, sizeof r->household_code, "H/%d\\", variant);
    r->grid_id = 3;
    snprintf(r->grid_name, sizeof r->grid_name, "第一网格");
    snprintf(r->relation, sizeof r->relation, "户主");
    if (variant % 4)
        snprintf(r->phone, sizeof r->phone, "%s", variant % 4 == 1 ? "13912345678" : "0530-5551234");
    if (variant % 5) {
        snprintf(r->hukou_type, sizeof r->hukou_type, "本地");
        snprintf(r->employment, sizeof r->employment, "退休");
        snprintf(r->disability_type, sizeof r->disability_type, "肢体");
        r->disability_grade = variant % 5;
    }
    r->party_member = variant % 2;
    snprintf(r->status, sizeof r->status, "%s", variant % 6 ? "active" : "deceased");
    if (!(variant % 6))
        snprintf(r->status_date, sizeof r->status_date, "2025-03-01");
    static const char *const NOTES[] = {"", "引号\"反斜杠\\斜杠/\t\n\r 😀", "坏\xff字\xe4\xb8", "\x01\x1f\x7f"};
    snprintf(r->notes, sizeof r->notes, "%s", NOTES[variant % 4]);
    snprintf(r->created_at, sizeof r->created_at, "2026-01-02 03:04:05");
    snprintf(r->updated_at, sizeof r->updated_at, "2026-11-02 03:04:05");
    for (size_t i = 0; resident_tag_codes[i] && r->ntags < REGISTRY_MAX_TAGS; i++)
        if ((variant >> (i % 4)) & 1)
            r->tags[r->ntags++] = resident_tag_codes[i];
    r->version = variant + 1;
}

static void household_sample(household *h, int variant)
{
    memset(h, 0, sizeof *h);
    h->id = 500 + variant;
    snprintf(h->code, sizeof h->code, "HH-%d", variant);
    h->grid_id = 3;
    snprintf(h->grid_name, sizeof h->grid_name, "第一网格");
    if (variant % 2) {
        h->building_id = 9;
        snprintf(h->building_name, sizeof h->building_name, "1号楼");
        snprintf(h->registered_address, sizeof h->registered_address, "户籍\"地址\"");
        h->head_resident_id = 1001;
        snprintf(h->head_name, sizeof h->head_name, "张三");
        snprintf(h->phone, sizeof h->phone, "13800001111");
    }
    snprintf(h->address, sizeof h->address, "%s", variant % 3 ? "幸福路\"1/2\"号\\东楼 😀" : "幸\xc0\xaf" "1");
    snprintf(h->notes, sizeof h->notes, "%s", variant % 2 ? "" : "备注\n第二行");
    snprintf(h->status, sizeof h->status, "active");
    snprintf(h->created_at, sizeof h->created_at, "2026-01-02 03:04:05");
    snprintf(h->updated_at, sizeof h->updated_at, "2026-11-02 03:04:05");
    h->member_count = variant;
    h->version = 2;
}

static void same(json_t *tree, jsonw *w, const char *what, unsigned who, int full_id, int list)
{
    char *want = json_dumps(tree, JSON_COMPACT);
    if (strcmp(want, w->sb.data) != 0)
        fail_msg("%s (role %u, full_id %d, list %d):\n  jansson: %s\n  jsonw:   %s", what, who, full_id, list, want,
                 w->sb.data);
    free(want);
    json_decref(tree);
}

/* Every role, full_id and list combination, and the audit image. */
static void test_writer_matches_jansson(void **state)
{
    (void)state;
    for (int variant = 0; variant < 24; variant++) {
        resident r;
        household h;
        resident_sample(&r, variant);
        household_sample(&h, variant);
        for (size_t i = 0; i <= sizeof ROLES / sizeof ROLES[0]; i++) {
            for (int full_id = 0; full_id < 2; full_id++) {
                for (int list = 0; list < 2; list++) {
                    resident_view_opts o = i < sizeof ROLES / sizeof ROLES[0]
                                               ? resident_view_for(ROLES[i], full_id, list)
                                               : RESIDENT_VIEW_AUDIT;
                    o.today_ymd = 20261207;
                    jsonw w;
                    jsonw_init(&w, NULL);
                    resident_write_json(&w, &r, &o);
                    same(resident_json(&r, &o), &w, "resident", o.role, full_id, list);
                    jsonw_free(&w);
                    jsonw_init(&w, NULL);
                    household_write_json(&w, &h, &o);
                    same(household_json(&h, &o), &w, "household", o.role, full_id, list);
                    jsonw_free(&w);
                }
            }
        }
    }
}

/* Bytes that are not UTF-8 no longer cost the field in the jansson
 * object either (json_string refuses them): '?' for each. */
static void test_bad_bytes_keep_the_field(void **state)
{
    (void)state;
    resident r;
    household h;
    resident_sample(&r, 2);
    household_sample(&h, 0);
    resident_view_opts o = resident_view_for(ROLE_STREET, 0, 0);
    json_t *j = resident_json(&r, &o);
    assert_string_equal(json_string_value(json_object_get(j, "notes")), "坏?字??");
    json_decref(j);
    j = household_json(&h, &o);
    assert_string_equal(json_string_value(json_object_get(j, "address")), "幸??1");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_matches_jansson),
        cmocka_unit_test(test_bad_bytes_keep_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
