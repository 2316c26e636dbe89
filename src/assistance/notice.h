/* notice.h — public notices (公示) of assistance cases: a batch of cases
 * a community has checked, posted for 7 days by default, printed with
 * the given name masked (张*明), and the objections received while it
 * is up, which block the approval of their case until resolved.
 *
 * Owns: assistance_notice, assistance_notice_case and
 * assistance_objection (migration 0022). */
#ifndef MS_ASSIST_NOTICE_H
#define MS_ASSIST_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "storage/db.h"

/* Whether case case_id may be approved on local date today
 * ("YYYY-MM-DD"): 1 when not — it was never on a posted notice, its
 * notice period has not ended (approval from the day after ends_on), or
 * an objection against it is still open — with the reason, in Chinese,
 * in why; 0 when it may; -1 on a database error. case.c asks before
 * 街道审批. */
int notice_blocks_approval(db_conn *db, int64_t case_id, const char *today, char *why, size_t whysz);

#endif
