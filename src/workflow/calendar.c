/* calendar.c — local days, working days and deadlines (see calendar.h).
 * The admin's edits of work_calendar are in calendar_admin.c.
 *
 * Inside this file a local day is a day number: days since 1970-01-01
 * (local), so that stepping through days is integer arithmetic. Dates
 * and times are converted at the edges with timegm/gmtime_r, which do
 * no time-zone lookups: the +8 hours are added by hand. */
#include "workflow/calendar.h"
#include "util/validate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY_SECONDS 86400

/* ---- conversions ------------------------------------------------------ */

static const char *const SQL_SPAN = "SELECT day, kind FROM work_calendar WHERE day >= ? AND day <= ?";

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Local date "YYYY-MM-DD" -> day number; -1 when malformed. */
static int parse_date(const char *date, int64_t *day)
{
    if (!date_is_valid(date))
        return -1;
    struct tm tm = {0};
    tm.tm_year = two_digits(date) * 100 + two_digits(date + 2) - 1900;
    tm.tm_mon = two_digits(date + 5) - 1;
    tm.tm_mday = two_digits(date + 8);
    *day = (int64_t)timegm(&tm) / DAY_SECONDS;
    return 0;
}

/* "YYYY-MM-DD HH:MM:SS" (UTC) -> seconds since the epoch; -1 when malformed. */
static int parse_utc(const char *utc, int64_t *secs)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    int64_t day;
    if (!utc || strlen(utc) != sizeof shape - 1)
        return -1;
    for (size_t i = 0; shape[i]; i++) {
        int ok = shape[i] == 'd' ? utc[i] >= '0' && utc[i] <= '9' : utc[i] == shape[i];
        if (!ok)
            return -1;
    }
    char date[11];
    memcpy(date, utc, 10);
    date[10] = '\0';
    int h = two_digits(utc + 11), m = two_digits(utc + 14), s = two_digits(utc + 17);
    if (parse_date(date, &day) != 0 || h > 23 || m > 59 || s > 59)
        return -1;
    *secs = day * DAY_SECONDS + h * 3600 + m * 60 + s;
    return 0;
}

/* The local day number of UTC time utc; -1 when malformed. */
static int local_day(const char *utc, int64_t *day)
{
    int64_t secs;
    if (parse_utc(utc, &secs) != 0)
        return -1;
    /* Floor division: date_is_valid accepts years from 1880, before the epoch. */
    int64_t local = secs + CAL_UTC_OFFSET_SECONDS;
    *day = local >= 0 ? local / DAY_SECONDS : -((-local + DAY_SECONDS - 1) / DAY_SECONDS);
    return 0;
}

static void format_date(int64_t day, char out[static 11])
{
    time_t t = (time_t)(day * DAY_SECONDS);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* 23:59:59 local time of local day `day`, as a UTC timestamp. */
static void day_end(int64_t day, char out[static 20])
{
    time_t t = (time_t)((day + 1) * DAY_SECONDS - CAL_UTC_OFFSET_SECONDS - 1);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

int cal_local_date(const char *utc, char out[static 11])
{
    int64_t day;
    if (local_day(utc, &day) != 0)
        return -1;
    format_date(day, out);
    return 0;
}

int cal_day_end_utc(const char *date, char out[static 20])
{
    int64_t day;
    if (parse_date(date, &day) != 0)
        return -1;
    day_end(day, out);
    return 0;
}

/* ---- reading the calendar: a window of days per query ----------------- */

#define SPAN_DAYS 256

/* work[i] says whether day first + i is a working day; n = 0 until the
 * first load. Lives on the caller's stack for one computation. */
typedef struct span {
    int64_t first;
    int n;
    unsigned char work[SPAN_DAYS];
} span;

static int weekday_is_working(int64_t day)
{
    int wday = (int)(((day % 7) + 7 + 4) % 7);   /* 1970-01-01 was a Thursday; 0 = Sunday */
    return wday != 0 && wday != 6;
}

static int span_load(db_conn *db, span *sp, int64_t first)
{
    char from[11], to[11];
    sp->first = first;
    sp->n = SPAN_DAYS;
    for (int i = 0; i < SPAN_DAYS; i++)
        sp->work[i] = (unsigned char)weekday_is_working(first + i);
    format_date(first, from);
    format_date(first + SPAN_DAYS - 1, to);
    db_stmt *s = db_query(db, SQL_SPAN, DB_TEXT(from), DB_TEXT(to));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t day;
        if (parse_date(db_col_text(s, 0), &day) == 0 && day >= first && day < first + SPAN_DAYS)
            sp->work[day - first] = strcmp(db_col_text(s, 1), "workday") == 0;
    }
    db_finalize(s);
    if (rc != DB_DONE) {
        sp->n = 0;
        return -1;
    }
    return 0;
}

/* 1 / 0 for a working / rest day, -1 when the calendar cannot be read. */
static int span_working(db_conn *db, span *sp, int64_t day)
{
    if (sp->n == 0 || day < sp->first || day >= sp->first + sp->n) {
        if (span_load(db, sp, day) != 0)
            return -1;
    }
    return sp->work[day - sp->first];
}

int cal_is_working_day(db_conn *db, const char *date)
{
    int64_t day;
    span sp = {0};
    if (parse_date(date, &day) != 0)
        return -1;
    return span_working(db, &sp, day);
}

/* The first working day on or after `day` into *out; -1 on a read error
 * or when none comes within CAL_MAX_DAYS. */
static int next_working(db_conn *db, span *sp, int64_t day, int64_t *out)
{
    for (int64_t d = day; d < day + CAL_MAX_DAYS; d++) {
        int w = span_working(db, sp, d);
        if (w < 0)
            return -1;
        if (w) {
            *out = d;
            return 0;
        }
    }
    return -1;
}

int cal_add_working_days(db_conn *db, const char *from, int n, char out[static 20])
{
    int64_t day;
    span sp = {0};
    if (n < 1 || n > CAL_MAX_DAYS || local_day(from, &day) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (next_working(db, &sp, day + 1, &day) != 0)
            return -1;
    }
    day_end(day, out);
    return 0;
}

int cal_add_calendar_days(db_conn *db, const char *from, int n, char out[static 20])
{
    int64_t day;
    span sp = {0};
    if (n < 1 || n > CAL_MAX_DAYS || local_day(from, &day) != 0)
        return -1;
    if (next_working(db, &sp, day + n, &day) != 0)
        return -1;
    day_end(day, out);
    return 0;
}

int cal_count_working_days(db_conn *db, const char *from, const char *to)
{
    int64_t a, b;
    span sp = {0};
    int count = 0;
    if (local_day(from, &a) != 0 || local_day(to, &b) != 0 || b - a > CAL_MAX_DAYS)
        return -1;
    for (int64_t d = a + 1; d <= b; d++) {
        int w = span_working(db, &sp, d);
        if (w < 0)
            return -1;
        count += w;
    }
    return count;
}
