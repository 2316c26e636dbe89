/* events.c — registry events into case stop flags, the flagged cases,
 * and the re-review due list (see events.h): the SQL of stop_flag and
 * of the due list over assistance_case. */
#include "assistance/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "registry/org.h"
#include "storage/query.h"
#include "util/validate.h"
#include "workflow/calendar.h"

/* ---- the sweep ------------------------------------------------------------- */

typedef struct open_flag {
    int64_t id, resident_id;
    char event[16], date[11];
} open_flag;

/* The active cases resident rid is the beneficiary or a counted member of, not flagged yet. */
#define SQL_CASES_OF_PERSON                                                                          \
    "SELECT a.id, c.org_path FROM assistance_case a JOIN wf_case c ON c.id = a.id"                   \
    " WHERE c.state = 'active' AND c.closed_at IS NULL AND a.stop_flag IS NULL"                      \
    "   AND (a.resident_id = ?1 OR a.id IN (SELECT m.case_id FROM assistance_member m"               \
    "                                        WHERE m.resident_id = ?1 AND m.counted = 1))"           \
    " ORDER BY a.id"

static int sweep_flag(db_conn *db, const actor *who, const char *ip, const open_flag *f, const char *now,
                      assist_sweep_result *out)
{
    struct { int64_t id; char path[256]; } cases[64];
    size_t n = 0;
    db_stmt *s = db_query(db, SQL_CASES_OF_PERSON, DB_INT(f->resident_id));
    int rc;
    while ((rc = db_step(s)) == DB_ROW && n < sizeof cases / sizeof cases[0]) {
        cases[n].id = db_col_int(s, 0);
        db_col_copy(s, 1, cases[n].path, sizeof cases[n].path);
        n++;
    }
    db_finalize(s);
    if (rc != DB_DONE && rc != DB_ROW)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char detail[160];
        snprintf(detail, sizeof detail, "居民 %lld %s（%s），案件暂停发放待处理", (long long)f->resident_id,
                 strcmp(f->event, "deceased") == 0 ? "死亡" : "迁出", f->date);
        if (db_exec_args(db,
                         "UPDATE assistance_case SET stop_flag = ?, stop_flag_resident_id = ?, stop_flag_date = ?,"
                         " updated_at = ? WHERE id = ?",
                         DB_TEXT(f->event), DB_INT(f->resident_id), DB_TEXT(f->date), DB_TEXT(now),
                         DB_INT(cases[i].id)) != DB_DONE ||
            audit_write_as(db, who, ip,
                           (audit_entry){.action = "assist_stop_flag", .entity = "assistance_case",
                                         .entity_id = cases[i].id, .org_path = cases[i].path, .detail = detail}) != 0)
            return -1;
        out->cases++;
    }
    if (db_exec_args(db, "UPDATE resident_event_flag SET handled_at = ?, handled_by = 'assistance' WHERE id = ?",
                     DB_TEXT(now), DB_INT(f->id)) != DB_DONE)
        return -1;
    out->flags++;
    return 0;
}

int assist_events_sweep(db_conn *db, const actor *who, const char *ip, const char *scope_path,
                        assist_sweep_result *out)
{
    char now[20], end[256];
    const char *scope = scope_path && *scope_path ? scope_path : "/";
    org_path_end(scope, end);   /* "/" → "0": every path */
    memset(out, 0, sizeof *out);
    db_now(now);
    for (;;) {
        open_flag fl[128];
        size_t n = 0;
        db_stmt *s = db_query(db,
                              "SELECT f.id, f.resident_id, f.event, f.event_date FROM resident_event_flag f"
                              "  JOIN resident r ON r.id = f.resident_id JOIN org_unit g ON g.id = r.grid_id"
                              " WHERE f.handled_at IS NULL AND g.path >= ? AND g.path < ? ORDER BY f.id LIMIT 128",
                              DB_TEXT(scope), DB_TEXT(end));
        int rc;
        while ((rc = db_step(s)) == DB_ROW) {
            fl[n].id = db_col_int(s, 0);
            fl[n].resident_id = db_col_int(s, 1);
            db_col_copy(s, 2, fl[n].event, sizeof fl[n].event);
            db_col_copy(s, 3, fl[n].date, sizeof fl[n].date);
            n++;
        }
        db_finalize(s);
        if (rc != DB_DONE)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (sweep_flag(db, who, ip, &fl[i], now, out) != 0)
                return -1;
        if (n < 128)
            return 0;
    }
}

/* ---- flagged cases --------------------------------------------------------- */

#define FLAGGED_FROM                                                                                  \
    " FROM assistance_case a JOIN wf_case c ON c.id = a.id"                                          \
    " WHERE a.stop_flag IS NOT NULL AND c.closed_at IS NULL AND c.org_path >= ? AND c.org_path < ?"

int assist_flagged_list(db_conn *db, const char *scope_path, int64_t offset, int64_t limit,
                        void (*fn)(const assist_flagged *f, void *ctx), void *ctx, int64_t *total)
{
    char end[256];
    org_path_end(scope_path, end);
    *total = db_one_int(db, -1, "SELECT COUNT(*)" FLAGGED_FROM, DB_TEXT(scope_path), DB_TEXT(end));
    if (*total < 0)
        return -1;
    db_stmt *s = db_query(db,
                          "SELECT a.id, a.household_id, a.resident_id, a.stop_flag_resident_id, p.name, c.state,"
                          "       b.name, x.name, a.stop_flag, a.stop_flag_date, g.name"
                          " FROM assistance_case a JOIN wf_case c ON c.id = a.id"
                          " JOIN assistance_programme p ON p.id = a.programme_id"
                          " JOIN resident b ON b.id = a.resident_id"
                          " LEFT JOIN resident x ON x.id = a.stop_flag_resident_id"
                          " JOIN household h ON h.id = a.household_id JOIN org_unit g ON g.id = h.grid_id"
                          " WHERE a.stop_flag IS NOT NULL AND c.closed_at IS NULL AND c.org_path >= ? AND c.org_path < ?"
                          " ORDER BY a.stop_flag_date, a.id LIMIT ? OFFSET ?",
                          DB_TEXT(scope_path), DB_TEXT(end), DB_INT(limit), DB_INT(offset));
    int rc;
    assist_flagged f;
    while ((rc = db_step(s)) == DB_ROW) {
        f.case_id = db_col_int(s, 0);
        f.household_id = db_col_int(s, 1);
        f.resident_id = db_col_int(s, 2);
        f.person_id = db_col_int(s, 3);
        db_col_copy(s, 4, f.programme, sizeof f.programme);
        db_col_copy(s, 5, f.state, sizeof f.state);
        db_col_copy(s, 6, f.beneficiary, sizeof f.beneficiary);
        db_col_copy(s, 7, f.person, sizeof f.person);
        db_col_copy(s, 8, f.event, sizeof f.event);
        db_col_copy(s, 9, f.event_date, sizeof f.event_date);
        db_col_copy(s, 10, f.grid, sizeof f.grid);
        fn(&f, ctx);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- re-reviews due -------------------------------------------------------- */

#define DUE_FROM                                                                                      \
    " FROM assistance_case a JOIN wf_case c ON c.id = a.id"                                          \
    " JOIN org_unit cu ON cu.id = a.community_id"

static void due_filters(query *q, const assist_review_filter *f, int with_class, char end[256])
{
    org_path_end(f->scope_path, end);
    q_init(q, "");
    q_where(q, "c.state = 'active' AND c.closed_at IS NULL AND a.next_review_on IS NOT NULL AND a.next_review_on <= ?");
    q_bind_text(q, f->until);
    q_where(q, "c.org_path >= ? AND c.org_path < ?");
    q_bind_text(q, f->scope_path);
    q_bind_text(q, end);
    if (with_class && f->review_class && *f->review_class) {
        q_where(q, "a.review_class = ?");
        q_bind_text(q, f->review_class);
    }
}

int assist_reviews_due(db_conn *db, const assist_review_filter *f, int64_t offset, int64_t limit,
                       void (*fn)(const assist_review_due *r, void *ctx), void *ctx, int64_t *total)
{
    char end[256];
    query q;
    due_filters(&q, f, 1, end);
    db_stmt *s = q_prepare_with(db, "SELECT COUNT(*)" DUE_FROM, &q, "");
    *total = s && db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_finalize(s);
    s = NULL;
    if (*total >= 0 &&
        (s = q_prepare_with(db,
                            "SELECT a.id, a.household_id, a.resident_id, a.community_id, p.name, b.name, cu.name, g.name,"
                            "       a.review_class, a.next_review_on,"
                            "       (SELECT MAX(t.at) FROM wf_timeline t WHERE t.case_id = a.id"
                            "           AND t.action IN ('approve', 'enrol', 'adjust'))"
                            " FROM assistance_case a JOIN wf_case c ON c.id = a.id"
                            " JOIN org_unit cu ON cu.id = a.community_id"
                            " JOIN assistance_programme p ON p.id = a.programme_id"
                            " JOIN resident b ON b.id = a.resident_id"
                            " JOIN household h ON h.id = a.household_id JOIN org_unit g ON g.id = h.grid_id",
                            &q, " ORDER BY a.next_review_on, a.id LIMIT ? OFFSET ?"))) {
        db_bind_int(s, q.nbind + 1, limit);
        db_bind_int(s, q.nbind + 2, offset);
    }
    q_free(&q);
    if (!s)
        return -1;
    int rc;
    assist_review_due r;
    while ((rc = db_step(s)) == DB_ROW) {
        memset(&r, 0, sizeof r);
        r.case_id = db_col_int(s, 0);
        r.household_id = db_col_int(s, 1);
        r.resident_id = db_col_int(s, 2);
        r.community_id = db_col_int(s, 3);
        db_col_copy(s, 4, r.programme, sizeof r.programme);
        db_col_copy(s, 5, r.beneficiary, sizeof r.beneficiary);
        db_col_copy(s, 6, r.community, sizeof r.community);
        db_col_copy(s, 7, r.grid, sizeof r.grid);
        db_col_copy(s, 8, r.review_class, sizeof r.review_class);
        db_col_copy(s, 9, r.next_review_on, sizeof r.next_review_on);
        if (!db_col_is_null(s, 10))
            cal_local_date(db_col_text(s, 10), r.last_review_on);
        int late = date_days_between(r.next_review_on, f->today);
        r.days_overdue = late > 0 ? late : 0;
        fn(&r, ctx);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int assist_reviews_due_counts(db_conn *db, const assist_review_filter *f,
                              void (*fn_class)(const char *cls, int64_t n, void *ctx),
                              void (*fn_unit)(int64_t id, const char *name, int64_t n, void *ctx), void *ctx)
{
    char end[256];
    query q;
    due_filters(&q, f, 0, end);
    db_stmt *s = q_prepare_with(db, "SELECT COALESCE(a.review_class, ''), COUNT(*)" DUE_FROM, &q,
                                " GROUP BY COALESCE(a.review_class, '') ORDER BY 1");
    int rc = DB_ERROR;
    while (s && (rc = db_step(s)) == DB_ROW)
        fn_class(db_col_text(s, 0), db_col_int(s, 1), ctx);
    db_finalize(s);
    if (rc != DB_DONE) {
        q_free(&q);
        return -1;
    }
    s = q_prepare_with(db, "SELECT cu.id, cu.name, COUNT(*)" DUE_FROM, &q, " GROUP BY cu.id, cu.name ORDER BY cu.id");
    rc = DB_ERROR;
    while (s && (rc = db_step(s)) == DB_ROW)
        fn_unit(db_col_int(s, 0), db_col_text(s, 1), db_col_int(s, 2), ctx);
    db_finalize(s);
    q_free(&q);
    return rc == DB_DONE ? 0 : -1;
}
