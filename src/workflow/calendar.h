/* calendar.h — working days and deadlines.
 *
 * Owns: the work_calendar table (migration 0002) and every rule that
 * turns "N working days" or "N days" into a moment.
 *
 * Time. Timestamps everywhere are UTC "YYYY-MM-DD HH:MM:SS" (db_now).
 * Days, however, are China local days: China Standard Time is UTC+8 all
 * year (no daylight saving), so local day D runs from (D-1) 16:00:00 UTC
 * to D 15:59:59 UTC. A "date" below is a local date "YYYY-MM-DD".
 *
 * Working day. A local day is a working day when work_calendar says
 * 'workday' (调休上班, e.g. Sunday 2026-01-04), is not one when it says
 * 'holiday' (法定节假日 and the rest days joined to them), and otherwise
 * when it falls Monday to Friday. The table is read on every call (one
 * small range query per 256 days scanned), so an admin's edit counts for
 * the next deadline computed; nothing is cached between calls.
 *
 * Deadlines. Following 《民法典》 arts. 201 and 203:
 *  - The day a period starts from never counts, whatever the hour and
 *    whether or not it is a working day: counting starts on the next
 *    local day. A case opened on Friday at 23:00, or on a holiday,
 *    starts counting on the next day too.
 *  - "Within N working days" ends at 23:59:59 local time of the Nth
 *    working day after the start day. Opened Tuesday 2025-09-30 (any
 *    hour) with 3 working days: 10-09, 10-10, 10-11 (调休 Saturday) ->
 *    due 2025-10-11 23:59:59 local = "2025-10-11 15:59:59" UTC.
 *  - "Within N days" (calendar days) ends at 23:59:59 local of the Nth
 *    day after the start day; when that day is not a working day the
 *    period runs to the end of the next working day.
 * A case is overdue once the current time is strictly after its due time.
 *
 * Writes (cal_set_day, cal_remove_day) run inside the caller's
 * transaction and write their own audit row: call them between db_begin
 * and db_commit; when one fails, roll back. */
#ifndef MS_CALENDAR_H
#define MS_CALENDAR_H

#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"

#define CAL_UTC_OFFSET_SECONDS (8 * 3600)   /* China Standard Time, no DST */
#define CAL_MAX_DAYS 3660                   /* longest period computed: ten years */

/* The local date of UTC time `utc` ("2025-12-31 16:30:00" -> "2026-01-01").
 * Returns 0, or -1 when utc is malformed. */
int cal_local_date(const char *utc, char out[static 11]);

/* 23:59:59 local on `date`, as UTC ("2026-01-05" -> "2026-01-05 15:59:59").
 * Returns 0, or -1 when date is malformed. */
int cal_day_end_utc(const char *date, char out[static 20]);

/* 1 when local date `date` is a working day, 0 when not, -1 when date is
 * malformed or the calendar cannot be read. */
int cal_is_working_day(db_conn *db, const char *date);

/* The due time (UTC, into out) of a period of n working days / n
 * calendar days starting from UTC time `from`, as defined above.
 * 1 <= n <= CAL_MAX_DAYS. Returns 0, or -1 on malformed input or when
 * the calendar cannot be read. */
int cal_add_working_days(db_conn *db, const char *from, int n, char out[static 20]);
int cal_add_calendar_days(db_conn *db, const char *from, int n, char out[static 20]);

/* Working days d with local(from) < d <= local(to): the start day does not
 * count, the end day does (so counting from `from` to
 * cal_add_working_days(from, n) gives n). 0 when to is not on a later
 * local day; -1 on malformed input, a span over CAL_MAX_DAYS, or when the
 * calendar cannot be read. */
int cal_count_working_days(db_conn *db, const char *from, const char *to);

/* ---- the admin's side ------------------------------------------------ */

/* One row of work_calendar. */
typedef struct cal_entry {
    char day[11];         /* local date */
    char kind[8];         /* "holiday" | "workday" */
    char name[64];        /* 春节 / 春节调休上班 */
} cal_entry;

/* Marks local date `date` as kind "holiday" or "workday" with a name
 * (1..20 characters), replacing any earlier entry for that day, and
 * writes an audit row. Admin only (or the command line: who NULL or
 * id 0). Errors: ERR_INVALID naming "day", "kind" or "name";
 * ERR_FORBIDDEN; ERR_DB. Returns 0 or -1. */
int cal_set_day(db_conn *db, const actor *who, const char *ip, const char *date, const char *kind,
                const char *name, ms_err *e);

/* Removes the entry for `date` (the day falls back to the weekly rule)
 * and writes an audit row. ERR_NOT_FOUND when the day has no entry. */
int cal_remove_day(db_conn *db, const actor *who, const char *ip, const char *date, ms_err *e);

/* The entries from local date `from` to `to` (inclusive), in date order,
 * into out (at most max). Returns how many, or -1 on malformed dates or
 * a database error. */
int cal_list(db_conn *db, const char *from, const char *to, cal_entry *out, int max);

#endif
