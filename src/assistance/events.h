/* events.h — what falls due on assistance cases from outside the case
 * itself: the registry's deaths and moves out (resident_event_flag,
 * written by registry/resident.c), which hold an active case out of
 * payment (stop_flag), and the re-reviews (复核) whose date has come.
 *
 * Owns: the sweep of open resident_event_flag rows into the stop flags
 * of assistance_case (the only writer of stop_flag, stop_flag_
 * resident_id, stop_flag_date), the list of flagged cases, and the
 * re-review due list. */
#ifndef MS_ASSIST_EVENTS_H
#define MS_ASSIST_EVENTS_H

#include <stdint.h>

#include "core/actor.h"
#include "storage/db.h"

/* What a sweep did. */
typedef struct assist_sweep_result {
    int flags;                      /* registry flags handled */
    int cases;                      /* cases newly flagged */
} assist_sweep_result;

/* For each open registry flag (a death or a move out, handled_at NULL)
 * of a resident under scope_path ("" or NULL: every one — the command
 * line and the payment runs), sets stop_flag, stop_flag_resident_id and
 * stop_flag_date on every active case ('active' state) the person is
 * the beneficiary of or a counted member of, and not flagged already;
 * each case flagged is one audit row (assist_stop_flag, as `who` from
 * ip). Then marks the flag handled (handled_by 'assistance'). Runs in
 * the caller's open write transaction. 0, or -1 on a database error.
 * Payment runs call it before computing a month. */
int assist_events_sweep(db_conn *db, const actor *who, const char *ip, const char *scope_path,
                        assist_sweep_result *out);

/* A flagged case as GET /assistance/flags shows it. */
typedef struct assist_flagged {
    int64_t case_id, household_id, resident_id, person_id;
    char programme[64], state[24], beneficiary[128], person[128];
    char event[16], event_date[11], grid[128];
} assist_flagged;

/* The flagged cases (stop_flag set, case not closed) under scope_path,
 * ordered by the event date then case: page `offset`, at most `limit`,
 * fn called for each; the number of them all in *total. 0, or -1. */
int assist_flagged_list(db_conn *db, const char *scope_path, int64_t offset, int64_t limit,
                        void (*fn)(const assist_flagged *f, void *ctx), void *ctx, int64_t *total);

/* A case whose re-review (复核) is due. */
typedef struct assist_review_due {
    int64_t case_id, household_id, resident_id, community_id;
    char programme[64], beneficiary[128], community[128], grid[128];
    char review_class[2], next_review_on[11], last_review_on[11];
    int days_overdue;               /* 0 when not yet due */
} assist_review_due;

/* The filters of the due list: active cases with next_review_on on or
 * before `until` ("YYYY-MM-DD"), under scope_path, of class
 * review_class (NULL = any). */
typedef struct assist_review_filter {
    const char *scope_path, *until, *today, *review_class;
} assist_review_filter;

/* One page of the due list, the earliest date (the most overdue) first;
 * *total counts every case the filter matches. 0, or -1. */
int assist_reviews_due(db_conn *db, const assist_review_filter *f, int64_t offset, int64_t limit,
                       void (*fn)(const assist_review_due *r, void *ctx), void *ctx, int64_t *total);

/* The counts of the filter (without its class) per class and per
 * community: fn_class(class, n) and fn_unit(community id, name, n). */
int assist_reviews_due_counts(db_conn *db, const assist_review_filter *f,
                              void (*fn_class)(const char *cls, int64_t n, void *ctx),
                              void (*fn_unit)(int64_t id, const char *name, int64_t n, void *ctx), void *ctx);

#endif
