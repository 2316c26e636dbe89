/* relative.c — the close-relative registry and the conflict-of-interest
 * rule (see relative.h): the SQL of assistance_relative. */
#include "assistance/relative.h"

#include <stdio.h>

/* The blind indexes of everyone the case concerns. */
#define CASE_PEOPLE_BIDX                                                                          \
    "SELECT p.id_number_bidx FROM assistance_case a JOIN resident p ON p.household_id = a.household_id " \
    " WHERE a.id = ?1 AND p.status = 'active' "                                                   \
    "UNION SELECT p.id_number_bidx FROM assistance_member m JOIN resident p ON p.id = m.resident_id " \
    " WHERE m.case_id = ?1 "                                                                      \
    "UNION SELECT p.id_number_bidx FROM assistance_case a JOIN resident p ON p.id = a.resident_id "  \
    " WHERE a.id = ?1"

int relative_conflict(db_conn *db, int64_t case_id, const actor *who, char *why, size_t whysz)
{
    if (!who || who->id <= 0)
        return 0;
    db_stmt *s = db_query(db,
                          "SELECT r.relation FROM assistance_relative r "
                          " WHERE r.staff_user_id = ?2 AND r.removed_at IS NULL "
                          "   AND r.relative_id_bidx IN (" CASE_PEOPLE_BIDX ") "
                          " ORDER BY r.id LIMIT 1",
                          DB_INT(case_id), DB_INT(who->id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW && why && whysz)
        snprintf(why, whysz, "您已备案的近亲属（%s）是该案件的当事人或家庭成员，按回避规定不得办理此案件",
                 db_col_text(s, 0) ? db_col_text(s, 0) : "近亲属");
    db_finalize(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* Added by the cases part (case.c sets assistance_case.conflict_note at
 * application): the note for a household holding a registered close
 * relative of any staff member. */
int relative_household_note(db_conn *db, int64_t household_id, char *note, size_t notesz)
{
    db_stmt *s = db_query(db,
                          "SELECT r.staff_name, r.staff_post, r.relation FROM assistance_relative r"
                          " WHERE r.removed_at IS NULL AND r.relative_id_bidx IN"
                          " (SELECT p.id_number_bidx FROM resident p WHERE p.household_id = ? AND p.status = 'active')"
                          " ORDER BY r.id LIMIT 1",
                          DB_INT(household_id));
    if (!s)
        return -1;
    int rc = db_step(s);
    if (rc == DB_ROW && note && notesz)
        snprintf(note, notesz, "该户有工作人员近亲属备案（%s %s 的%s），经办时相关人员须回避", db_col_text(s, 1),
                 db_col_text(s, 0), db_col_text(s, 2));
    db_finalize(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}
