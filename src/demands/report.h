/* report.h — figures over the work orders (诉求工单, issue 12): the weekly
 * joint-meeting report (周例会) and the monthly figures for trend charts.
 * Owns the SQL that counts demand_order rows by period and group; reads
 * only (no table of its own).
 *
 * A period is [from, to) in China local dates; the counts compare the
 * orders' UTC timestamps with the UTC instants of those local
 * midnights. Per order and period (the definitions docs/api.md gives):
 *   received     created (登记) in the period
 *   closed       办结 in the period (finished_at; a redo after a
 *                dissatisfied callback clears it, the later 办结 counts)
 *   solved       closed and marked solved (not merely answered)
 *   on_time      closed no later than its handling due time
 *   callbacks    the latest 回访 in the period
 *   satisfied    callbacks satisfied or basic (满意 / 基本满意)
 *   dissatisfied callbacks dissatisfied
 *   merged       received, and merged into another as a duplicate
 *   returned     received, and returned (退单) at least once
 *   overdue      its handling due time fell in the period (and before
 *                now) and it was not finished by then (merged excluded) */
#ifndef MS_DEMAND_REPORT_H
#define MS_DEMAND_REPORT_H

#include <stdint.h>

#include "storage/db.h"

#define REPORT_MAX_GROUPS 200

typedef enum { REPORT_BY_NONE, REPORT_BY_COMMUNITY, REPORT_BY_CATEGORY, REPORT_BY_SOURCE } report_by;

typedef struct report_counts {
    int64_t group_id;               /* community or top category id; 0 for source and none */
    char group_key[128];            /* the community's or category's name, or the source code */
    int64_t received, closed, solved, on_time, callbacks, satisfied, dissatisfied, merged, returned, overdue;
} report_counts;

/* The scope of a report: orders whose grid's path starts with path
 * (end: org_path_end of it), and for a department's account (dept > 0)
 * only those assigned to the department. */
typedef struct report_scope {
    const char *path, *end;
    int64_t dept;
} report_scope;

/* The UTC instant "YYYY-MM-DD HH:MM:SS" of China local midnight
 * starting local date ymd. 0, or -1 when ymd is not a date. */
int report_local_midnight_utc(const char *ymd, char out[static 20]);

/* The counts of the orders in scope for local dates [from, to) grouped
 * by `by`, at UTC time now, into out (at most max, by group): how many
 * groups, or -1 on a database error. REPORT_BY_NONE gives one row (the
 * totals), also when there is no order. */
int report_counts_by(db_conn *db, const report_scope *sc, const char *from, const char *to, const char *now,
                     report_by by, report_counts *out, int max);

/* The Monday of ISO week "YYYY-Www" into out ("YYYY-MM-DD"): 0, or -1. */
int report_iso_week_monday(const char *week, char out[static 11]);

/* The Monday of the week holding local date ymd, and its ISO week
 * "YYYY-Www" (week may be NULL): 0, or -1 when ymd is not a date. */
int report_week_of(const char *ymd, char monday[static 11], char week[static 9]);

/* Rate in per mille, rounded half up: num * 1000 / den; -1 when den is 0. */
int64_t report_permille(int64_t num, int64_t den);

#endif
