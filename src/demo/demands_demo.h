/* demands_demo.h — the demo street's work orders (诉求工单, issue 12): a
 * year of citizen demands (~2,000 per 50,000 households, most from the
 * 12345 hotline) in the seeded categories, with the outcomes a street
 * sees: most signed, finished and called back in time and satisfied,
 * some basically satisfied, some dissatisfied and redone, some returned
 * and assigned again or reassigned, some urged, some finished late
 * (督办), a few still open, a few duplicates merged and a few pairs
 * decided "not a duplicate"; the departments (城管, 市场监管, 住建 …) of
 * the street, the demo account bumen acting for 区民政局.
 *
 * Owns: nothing persistent, and no SQL that writes: everything goes
 * through demands/dept.c and demands/order.c, each step at its past time
 * (order_new.at, order_step_in.at: the workflow engine's backdated
 * history), so deadlines, 督办 and the timelines are those of real dates.
 * Deterministic for a seed and a date; only the street 丹阳街道. */
#ifndef MS_DEMO_DEMANDS_H
#define MS_DEMO_DEMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

typedef struct demo_demands_summary {
    long departments;
    long orders;           /* filed (any state) */
    long open;             /* not archived nor merged */
    long merged;
    long late;             /* finished after the handling due time (督办) */
} demo_demands_summary;

/* Builds it into a database holding the demo street and its accounts and
 * no work order yet. today_ymd 0 = today (China local). One transaction
 * per order; on failure (-1, Chinese message in err) what was committed
 * stays. */
int demo_demands_build(db_conn *db, uint64_t seed, int today_ymd, demo_demands_summary *sum, char *err,
                       size_t errsz);

#endif
