/* mediation.h — mediation cases (人民调解案件): filing with the parties,
 * the steps of the workflow with what each records, the sessions, the
 * agreement's data and the figures per period.
 *
 * Owns: the SQL of mediation_case, mediation_party and mediation_session
 * (migration 0026). A case belongs to a community (wf_case.org_path is
 * the community's path) and names the mediator the parties chose from
 * the street's directory (mediator.h), who must be active when chosen.
 * Parties' phones and ID numbers are stored encrypted (columns
 * "mediation_party.phone" and "mediation_party.id_number") and leave
 * this module masked only. Writes run inside the caller's transaction;
 * every function that takes an actor checks scope on what it reads. */
#ifndef MS_MEDIATION_H
#define MS_MEDIATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/actor.h"
#include "core/err.h"
#include "core/fieldcrypt.h"
#include "storage/db.h"
#include "workflow/workflow.h"

#define MED_MAX_PARTIES 10
#define MED_SUMMARY_CHARS 1000
#define MED_AGREEMENT_CHARS 2000
#define MED_NOTE_CHARS 500
#define MED_SESSION_NOTE_CHARS 2000

/* A party as filed. Either resident_id (a resident in who's scope: the
 * name and address come from the registry) or name (an outsider) with
 * optional phone, id_number and address. side: applicant | respondent. */
typedef struct med_party_in {
    const char *side;
    int64_t resident_id;
    const char *name, *phone, *id_number, *address;
} med_party_in;

typedef struct med_case_new {
    int64_t community_id;      /* 0: the caller's own community */
    int64_t mediator_id;
    const char *dispute_type, *summary, *received_on;   /* received_on NULL: today */
    med_party_in parties[MED_MAX_PARTIES];
    size_t nparties;
} med_case_new;

typedef struct med_case {
    wf_case c;
    int64_t community_id;
    char community_name[128];
    int64_t mediator_id;
    char mediator_name[208], mediator_kind[24];
    int mediator_active;
    int64_t station_id;
    char station_name[256];
    char dispute_type[24];
    char summary[MED_SUMMARY_CHARS * 4 + 1];
    char received_on[11], outcome[8], ended_on[11];
    char agreement[MED_AGREEMENT_CHARS * 4 + 1];
    char performance[MED_NOTE_CHARS * 4 + 1];
    char referred_to[404];
    char visited_on[11], satisfaction[16];
    char visit_note[MED_NOTE_CHARS * 4 + 1];
    int64_t version;
    char parties_text[512];    /* "张三 与 李四" for lists */
} med_case;

#define MED_CASE_FROM                                                                                   \
    " FROM mediation_case m JOIN wf_case c ON c.id = m.id JOIN org_unit o ON o.id = m.community_id"     \
    " JOIN mediator d ON d.id = m.mediator_id JOIN mediation_station s ON s.id = d.station_id"
#define MED_CASE_SELECT                                                                                          \
    "SELECT m.community_id, o.name, m.mediator_id, d.name, d.kind, d.active, d.station_id, s.name, m.dispute_type," \
    " m.summary, m.received_on, m.outcome, m.ended_on, m.agreement, m.performance, m.referred_to, m.visited_on,"   \
    " m.satisfaction, m.visit_note, m.version, " WF_CASE_COLUMNS MED_CASE_FROM
void med_case_from_row(db_stmt *s, med_case *out);

/* Case id (no scope check: callers compare c.org_path): 0 found, 1 absent, -1 error. */
int med_case_get(db_conn *db, int64_t id, med_case *out);

/* Files a case (wf_create and the module's rows): the id, or -1 with
 * ERR_INVALID naming the field, ERR_NOT_FOUND ("community_id",
 * "mediator_id", "parties"), ERR_CONFLICT (the mediator inactive),
 * ERR_FORBIDDEN, ERR_DB. */
int64_t med_case_create(db_conn *db, const actor *who, const char *ip, const med_case_new *in, ms_err *err);

/* What a step records besides its opinion. Each field belongs to one
 * action; a field given to another action is refused (ERR_INVALID).
 *   agree:  agreement* (the agreement's text), performance (how and by
 *           when it is performed), ended_on (default today)
 *   fail:   referred_to* (to whom the dispute was referred: 法院 …),
 *           ended_on (default today); the opinion says why it failed
 *   visit:  satisfaction* (satisfied | basic | dissatisfied),
 *           visited_on (default today), visit_note */
typedef struct med_step_in {
    const char *opinion;
    int64_t if_version;
    const char *agreement, *performance, *ended_on, *referred_to;
    const char *satisfaction, *visited_on, *visit_note;
} med_step_in;

/* Takes step `action` on case id for who (wf_perform with the table of
 * mediation_flow.c) and records what it carries: 0, or -1 (the engine's
 * refusals, ERR_INVALID on a field, ERR_STALE, ERR_NOT_FOUND, ERR_DB). */
int med_case_step(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action,
                  const med_step_in *in, ms_err *err);

/* A party as shown: phone and ID number masked. */
typedef struct med_party {
    int64_t id, resident_id;
    char side[16], name[208], address[808];
    char phone_masked[32], id_masked[19];
} med_party;

/* The parties of case id, applicants first, into out (at most max):
 * how many, or -1 on a database error. */
int med_parties_load(db_conn *db, int64_t case_id, med_party *out, int max);

typedef struct med_session {
    int64_t id;
    char held_on[11], place[404], attendees[1004], notes[MED_SESSION_NOTE_CHARS * 4 + 1];
    char recorded_by[128], created_at[20];
} med_session;

/* The sessions of case id, in date order, into *out (malloc'd; the
 * caller frees): how many, or -1 on a database error. */
int med_sessions_load(db_conn *db, int64_t case_id, med_session **out);

/* Records a session of case id (held_on*, not in the future nor before
 * the case was received; place*, attendees*, notes up to 2000
 * characters). Only while the case is being mediated (ERR_CONFLICT
 * otherwise). The session's id, or -1 (ERR_INVALID, ERR_NOT_FOUND,
 * ERR_DB). */
int64_t med_session_add(db_conn *db, const actor *who, int64_t id, const char *held_on, const char *place,
                        const char *attendees, const char *notes, ms_err *err);

/* The figures of the cases received from `from` to `to` (inclusive)
 * under org path `path`, per community and per dispute type. */
typedef struct med_figures_row {
    char key[128];             /* community id as text, or a dispute type code */
    char label[128];
    int64_t received, withdrawn, closed, agreed, failed, visited, satisfied, basic, dissatisfied;
} med_figures_row;

typedef struct med_figures {
    med_figures_row total;
    med_figures_row *by_community, *by_type;   /* malloc'd */
    size_t ncommunity, ntype;
} med_figures;

int med_figures_load(db_conn *db, const char *path, const char *from, const char *to, med_figures *out);
void med_figures_release(med_figures *f);

/* The key-rotation passes over the parties' phones and ID numbers. */
extern const fc_column_sql med_party_phone_crypt;
extern const fc_column_sql med_party_id_crypt;

#endif
