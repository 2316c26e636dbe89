/* case.h — social assistance applications and their steps (issue 11):
 * filing an application (申请) with its duplicate checks, and each step
 * of the case types of case_flow.c with what the step records besides
 * its opinion — the investigation (入户调查: members, incomes, assets),
 * the democratic review (民主评议), the amount and the months paid
 * (审批, 调整, 停保) — and the bank account the benefit is paid to.
 *
 * Owns: the SQL of assistance_case, assistance_member, assistance_income,
 * assistance_investigation and assistance_review (migration 0022). The
 * states and who may take each step are case_flow.c's tables, checked by
 * the workflow engine (wf_perform); this module adds the checks a table
 * cannot say (the notice before 街道审批, the one-off ceilings, the
 * standard in force). Functions take the caller's open transaction and
 * write no audit row of their own (the engine writes the case's; the
 * caller audits the record). Money is integer fen; "today" is the China
 * local date. */
#ifndef MS_ASSIST_CASE_H
#define MS_ASSIST_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "assistance/programme.h"
#include "core/actor.h"
#include "core/err.h"
#include "storage/db.h"
#include "workflow/workflow.h"

#define CASE_MAX_MEMBERS 30
#define CASE_MAX_INCOMES 8      /* income lines per member */
#define CASE_MAX_CONFLICTS 8

/* A case as stored, with its wf_case and the names a reply shows.
 * Amounts that are NULL in the table read as -1. */
typedef struct assist_case {
    wf_case c;
    int64_t programme_id;
    char programme_code[40], programme_name[64], calc_kind[16];
    int64_t household_id, resident_id, community_id;
    char area[8], band_key[16], source[16];
    char reason[2048];
    int64_t members_counted, income_fen, requested_fen, amount_fen, standard_id;   /* -1 = none */
    char review_class[2], next_review_on[11], start_month[8], end_month[8];
    char conflict_note[400];
    char stop_flag[16];
    int64_t stop_flag_resident_id;
    char stop_flag_date[11];
    char bank_name[128], account_name[128], account_tail[8];
    int64_t version;
    char created_at[20], updated_at[20];
    char applicant_name[208], household_code[64];
    char id_masked[19];            /* the applicant's ID number masked ("" when unreadable); never the full one */
    char grid_name[128], community_name[128];
} assist_case;

/* The one SELECT of cases with their wf_case (c), programme (p),
 * applicant (r), household (h), grid (g) and community (gc): callers
 * append WHERE / ORDER BY / LIMIT and read rows with case_from_row.
 * CASE_FROM alone, for a list's count. */
#define CASE_FROM                                                                                                  \
    " FROM assistance_case a JOIN wf_case c ON c.id = a.id JOIN assistance_programme p ON p.id = a.programme_id" \
    " JOIN resident r ON r.id = a.resident_id JOIN household h ON h.id = a.household_id"                          \
    " JOIN org_unit g ON g.id = h.grid_id LEFT JOIN org_unit gc ON gc.id = a.community_id"
#define CASE_SELECT                                                                                                \
    "SELECT a.programme_id, p.code, p.name, p.calc_kind, a.household_id, a.resident_id, a.community_id, a.area,"  \
    " a.band_key, a.source, a.reason, a.members_counted, a.income_fen, a.requested_fen, a.amount_fen,"            \
    " a.standard_id, a.review_class, a.next_review_on, a.start_month, a.end_month, a.conflict_note, a.stop_flag," \
    " a.stop_flag_resident_id, a.stop_flag_date, a.bank_name, a.account_name, a.account_tail, a.version,"        \
    " a.created_at, a.updated_at, r.name, h.code, r.id_number_enc, g.name, gc.name, " WF_CASE_COLUMNS CASE_FROM

/* A row of CASE_SELECT into *k (the applicant's ID number decrypted
 * only to be masked). */
void case_from_row(db_stmt *s, assist_case *k);

/* One duplicate found at application time. */
typedef struct case_conflict {
    int64_t case_id;
    char person[208];          /* the person's name */
    char programme[64];        /* the other case's programme */
    char state_label[32];
    int excludes;              /* 0: the same programme; 1: an incompatible one */
} case_conflict;

/* POST /cases. Strings may be NULL (defaults below). */
typedef struct case_new {
    const char *programme;     /* code, required */
    int64_t household_id;
    int64_t resident_id;       /* the applicant / beneficiary */
    const char *area;          /* NULL: from the applicant's hukou_type (农村 → rural) */
    const char *band_key;      /* per-person programmes whose bands are kinds */
    const char *reason;
    const char *source;        /* "application" (default) | "policy_find" */
    int64_t requested_fen;     /* one-off only, > 0; 0 = not given */
} case_new;

/* Files an application for who: checks, wf_create, the assistance_case
 * row and its conflict note. Returns the case id, or -1 with:
 * ERR_INVALID (a field), ERR_NOT_FOUND (household or resident outside
 * who's scope), ERR_CONFLICT (a duplicate: conflicts[*nconflicts], or the
 * applicant deceased / moved out, the household closed), ERR_FORBIDDEN. */
int64_t case_create(db_conn *db, const actor *who, const char *ip, const case_new *in, case_conflict *conflicts,
                    size_t *nconflicts, ms_err *err);

/* What a step records besides its opinion and attachments. */
typedef struct case_income_in {
    const char *source;        /* wage pension business agriculture property support transfer other */
    int64_t monthly_fen;
} case_income_in;

typedef struct case_member_in {
    int64_t resident_id;       /* 0: a family member named only */
    const char *name;          /* required when resident_id is 0 */
    const char *relation;      /* NULL = 其他 */
    int counted;               /* 1: in the guarantee */
    case_income_in incomes[CASE_MAX_INCOMES];
    size_t nincomes;
} case_member_in;

typedef struct case_investigation_in {
    const char *investigated_on;   /* YYYY-MM-DD, not after today */
    const char *investigators;     /* "、"-joined, at least two names */
    int64_t deposits_fen;
    const char *housing, *vehicles, *assets_note, *conclusion;
} case_investigation_in;

typedef struct case_review_in {
    const char *held_on;
    const char *participants;
    int64_t votes_for, votes_against, votes_abstain;
    const char *notes;
} case_review_in;

typedef struct case_step_in {
    const char *opinion;
    const char *const *attachments;    /* NULL-terminated, or NULL */
    int64_t if_version;                /* 0 = not checked */
    const case_investigation_in *investigation;   /* investigate (required); NULL otherwise */
    const case_member_in *members;     /* investigate (required), adjust (optional) */
    size_t nmembers;
    int has_members;
    const case_review_in *review;      /* review_pass / review_fail (required) */
    const char *start_month;           /* approve: YYYY-MM, not before the application's month */
    const char *end_month;             /* stop: YYYY-MM (default this month) */
    const char *review_class;          /* approve / adjust: A | B | C */
    const char *band_key;              /* adjust: a new band (kind bands) */
} case_step_in;

/* Takes step `action` on case id for who with what the action records.
 * "publish" is refused (公示 is notice.c's). Errors: wf_perform's, and
 * ERR_INVALID for a payload field, ERR_CONFLICT (notice pending, a
 * ceiling, no standard in force), ERR_STALE (if_version). */
int case_step(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action, const case_step_in *in,
              ms_err *err);

/* What the investigation and the review recorded, as stored. */
typedef struct case_member {
    int64_t id, resident_id;        /* resident_id 0: named only */
    char name[208], relation[32];
    int counted;
    case_income_in incomes[CASE_MAX_INCOMES];   /* source points into a static table */
    size_t nincomes;
} case_member;

typedef struct case_record {
    case_member members[CASE_MAX_MEMBERS];
    size_t nmembers;
    int has_investigation;
    char investigated_on[11], investigators[512], recorded_at[20];
    int64_t deposits_fen;
    char housing[2048], vehicles[2048], assets_note[2048], conclusion[2048];
    int has_review;
    char held_on[11], participants[2048], result[8], review_notes[2048];
    int64_t votes_for, votes_against, votes_abstain;
} case_record;

/* Loads the members, incomes, investigation and review of case id into
 * *out (large: allocate it). 0, or -1 on a database error. */
int case_record_load(db_conn *db, int64_t id, case_record *out);

/* Loads case id (either type): 0 found, 1 absent, -1 error. No scope check. */
int case_get(db_conn *db, int64_t id, assist_case *out);

/* The wf_type of a loaded case. */
const wf_type *case_type_of(const assist_case *k);

/* The bank account the benefit is paid to (PUT /cases/{id}/bank): bank
 * and account names (1–50 characters), the number 12–30 digits, stored
 * encrypted (column "assistance_case.account", the case id) with its last
 * four digits. Refused to a staff member who must recuse (403), on a
 * closed-without-benefit case (409: rejected, withdrawn), on a stale
 * if_version (412). 0, or -1 with the error. */
int case_set_bank(db_conn *db, const actor *who, int64_t id, int64_t if_version, const char *bank_name,
                  const char *account_name, const char *number, ms_err *err);

/* A notice (公示) the case was on, and its open objections. Read from
 * notice.c's tables until that module offers a function for it. */
typedef struct case_notice {
    int64_t notice_id;
    char status[16], posted_on[11], ends_on[11];
    int64_t objections, open_objections;
} case_notice;

/* Up to max notices of case id, newest first: how many, or -1. */
int case_notices_load(db_conn *db, int64_t id, case_notice *out, int max);

/* The data of a printable decision (决定书). */
typedef struct case_decision {
    int approved;                  /* 1 approval (在保 / 已停保 / 已批准), 0 rejection */
    char decided_on[11];           /* China local date of the deciding step */
    char opinion[2048];            /* the deciding step's opinion (the reason of a rejection) */
    char step_label[64];
    char street_name[128];
    char address[808];
} case_decision;

/* The decision of case k: 0, or -1 with ERR_CONFLICT (not decided yet)
 * or ERR_DB. */
int case_decision_load(db_conn *db, const assist_case *k, case_decision *out, ms_err *err);

#endif
