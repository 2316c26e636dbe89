/* notice.h — public notices (公示) of assistance cases: a batch of cases
 * a community has checked, posted for 7 days by default, printed with
 * the given name masked (张*明), and the objections received while it
 * is up, which block the approval of their case until resolved.
 *
 * Owns: assistance_notice, assistance_notice_case and
 * assistance_objection (migration 0022), and the rules:
 *   - a notice is drafted by the community (or the street) for cases of
 *     one community in state 'checked' (社区已审核) of the monthly case
 *     type; each row keeps what is printed — the masked name, the
 *     household size (members counted, else the household's active
 *     residents), the programme and the amount — never an ID number;
 *   - posting it (posted_on: today or up to 30 days back) sets ends_on =
 *     posted_on + days − 1 and takes the 'publish' step on every case in
 *     the caller's transaction: all of them or none;
 *   - the notice has ended once the China local date is past ends_on
 *     (shown so in reads; closing it records that);
 *   - an objection names a case of the notice and a date within its
 *     period; while one is open, 街道审批 of that case is refused
 *     (notice_blocks_approval); street staff resolve it: upheld (the
 *     street then returns or rejects the case through the case steps) or
 *     dismissed.
 * Writes run inside the caller's transaction and write no audit row of
 * their own (the API does, in the same transaction); wf_perform writes
 * each case's. */
#ifndef MS_ASSIST_NOTICE_H
#define MS_ASSIST_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"

#define NOTICE_DAYS_DEFAULT 7
#define NOTICE_DAYS_MAX 30          /* the CHECK of assistance_notice.days */
#define NOTICE_BACKDATE_DAYS 30     /* posted_on at most this many days before today */
#define NOTICE_MAX_CASES 500
#define NOTICE_TITLE_CHARS 80
#define OBJECTION_TEXT_CHARS 2000

/* A notice as stored, with the names it prints and two counts. */
typedef struct notice {
    int64_t id, community_id;
    char org_path[256];
    char title[NOTICE_TITLE_CHARS * 4 + 1];
    char community_name[128], street_name[128];
    int days;
    char posted_on[11], ends_on[11];          /* "" while a draft */
    char complaint_phone[32];
    char status[8];                           /* draft | posted | closed */
    int64_t created_by, posted_by;
    char created_at[20], closed_at[20];
    int64_t cases, open_objections;
} notice;

/* One printed row. */
typedef struct notice_row {
    int64_t case_id;
    char masked_name[64];
    int64_t household_size;
    char programme_name[128];
    int64_t amount_fen;
    char case_state[32];                      /* the case's state now */
} notice_row;

typedef struct objection {
    int64_t id, notice_id, case_id;
    char org_path[256];                       /* the notice's */
    char masked_name[64];                     /* the case's row on the notice */
    char received_on[11];
    char channel[16];
    char *content;                            /* owned (objection_release) */
    char status[12];                          /* open | upheld | dismissed */
    char *resolution;                         /* owned; NULL while open */
    int64_t resolved_by, created_by;
    char resolved_at[20], created_at[20];
} objection;

/* The channels an objection may come by: 来访 电话 信件 其他 (NULL-ended). */
extern const char *const OBJECTION_CHANNELS[];

/* The status a reader is shown on local date today: "draft" (草稿),
 * "posted" (公示中) or "ended" (已结束: closed, or posted and today >
 * ends_on); and its Chinese label. */
const char *notice_phase(const notice *n, const char *today);
const char *notice_phase_label(const char *phase);

/* Drafts a notice of community community_id (in who's scope) for the
 * n cases case_ids: the id, or -1 with ERR_INVALID ("community_id",
 * "case_ids", "days", "complaint_phone", "title"), ERR_NOT_FOUND (the
 * community or a case outside who's scope), ERR_CONFLICT (a case not in
 * 'checked', or on another notice not yet posted), ERR_DB. title NULL or
 * "": "<社区名>社会救助对象公示". The phone is stored normalized. */
int64_t notice_create(db_conn *db, const actor *who, int64_t community_id, const int64_t *case_ids, size_t n,
                      int days, const char *complaint_phone, const char *title, ms_err *err);

/* Loads notice id: 0, 1 when there is none, -1 on a database error. No
 * scope check (the caller compares out->org_path). */
int notice_get(db_conn *db, int64_t id, notice *out);

/* The printed rows of notice id, in case order, into *rows (malloc'd;
 * free()) and *n. 0, or -1. */
int notice_rows(db_conn *db, int64_t id, notice_row **rows, size_t *n);

/* Posts draft notice id on local date posted_on (today, or up to
 * NOTICE_BACKDATE_DAYS back) and takes 'publish' on each of its cases
 * for who: 0, or -1 with ERR_INVALID "posted_on", ERR_CONFLICT (not a
 * draft; a case no longer in 'checked', named), ERR_FORBIDDEN (the
 * engine's: 回避, role or level), ERR_DB. The caller rolls back on -1. */
int notice_post(db_conn *db, const actor *who, const char *ip, int64_t id, const char *posted_on,
                const char *today, ms_err *err);

/* Records that posted notice id has ended: 0, or -1 with ERR_CONFLICT
 * (a draft, closed already, or its period not over on today), ERR_DB. */
int notice_close(db_conn *db, int64_t id, const char *today, ms_err *err);

/* Records an objection against case case_id of posted notice notice_id:
 * the id, or -1 with ERR_INVALID ("case_id" not on the notice,
 * "received_on" outside the period or after today, "channel",
 * "content"), ERR_CONFLICT (the notice is a draft), ERR_DB. */
int64_t objection_create(db_conn *db, const actor *who, int64_t notice_id, int64_t case_id, const char *received_on,
                         const char *channel, const char *content, const char *today, ms_err *err);

/* Resolves open objection id as status ("upheld" | "dismissed") with
 * resolution: 0, or -1 with ERR_INVALID ("status", "resolution"),
 * ERR_CONFLICT (resolved already), ERR_DB. */
int objection_resolve(db_conn *db, const actor *who, int64_t id, const char *status, const char *resolution,
                      ms_err *err);

/* Loads objection id into out (release it): 0, 1 none, -1. */
int objection_get(db_conn *db, int64_t id, objection *out);
void objection_release(objection *o);

/* The objection columns and their FROM, for a list that adds filters
 * (o = assistance_objection, n = assistance_notice, nc = its row), read
 * with objection_from_row. */
#define OBJECTION_SELECT                                                                                       \
    "SELECT o.id, o.notice_id, o.case_id, n.org_path, nc.masked_name, o.received_on, o.channel, o.content,"   \
    " o.status, o.resolution, o.resolved_by, o.created_by, o.resolved_at, o.created_at"                        \
    " FROM assistance_objection o JOIN assistance_notice n ON n.id = o.notice_id"                              \
    " JOIN assistance_notice_case nc ON nc.notice_id = o.notice_id AND nc.case_id = o.case_id"
void objection_from_row(db_stmt *s, objection *out);

/* The notice columns and their FROM, for a list (n = assistance_notice),
 * read with notice_from_row. */
#define NOTICE_SELECT                                                                                          \
    "SELECT n.id, n.community_id, n.org_path, n.title, cu.name, COALESCE(st.name, ''), n.days,"               \
    " COALESCE(n.posted_on, ''), COALESCE(n.ends_on, ''), n.complaint_phone, n.status,"                      \
    " COALESCE(n.created_by, 0), COALESCE(n.posted_by, 0), n.created_at, COALESCE(n.closed_at, ''),"         \
    " (SELECT COUNT(*) FROM assistance_notice_case x WHERE x.notice_id = n.id),"                               \
    " (SELECT COUNT(*) FROM assistance_objection y WHERE y.notice_id = n.id AND y.status = 'open')"            \
    " FROM assistance_notice n JOIN org_unit cu ON cu.id = n.community_id"                                     \
    " LEFT JOIN org_unit st ON st.id = cu.parent_id"
void notice_from_row(db_stmt *s, notice *out);

/* Whether case case_id may be approved on local date today
 * ("YYYY-MM-DD"): 1 when not — it was never on a posted notice, the
 * period of its latest notice has not ended (approval from the day
 * after ends_on), an objection against it is still open, or one on its
 * latest notice was upheld (the street returns or rejects the case; a
 * case checked again goes on a new notice) — with the reason, in
 * Chinese, in why; 0 when it may; -1 on a database error. case.c asks
 * before 街道审批. */
int notice_blocks_approval(db_conn *db, int64_t case_id, const char *today, char *why, size_t whysz);

#endif
