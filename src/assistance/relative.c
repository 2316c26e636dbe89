/* relative.c — the close-relative registry and the conflict-of-interest
 * rule (see relative.h): the SQL of assistance_relative and of the
 * conflict notes it leaves on cases. */
#include "assistance/relative.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "registry/org.h"
#include "util/idcard.h"
#include "util/strbuf.h"
#include "util/validate.h"

#define COL_RELATIVE_ID "assistance_relative.relative_id"

const char *const RELATIVE_POSTS[] = {"街道工作人员", "社区干部", "低保经办人员", "其他", NULL};
const char *const RELATIVE_RELATIONS[] = {"配偶", "父母", "子女", "兄弟姐妹", "祖父母", "外祖父母",
                                          "孙子女", "外孙子女", "其他近亲属", NULL};

/* The blind indexes of everyone the case concerns. */
#define CASE_PEOPLE_BIDX                                                                          \
    "SELECT p.id_number_bidx FROM assistance_case a JOIN resident p ON p.household_id = a.household_id " \
    " WHERE a.id = ?1 AND p.status = 'active' "                                                   \
    "UNION SELECT p.id_number_bidx FROM assistance_member m JOIN resident p ON p.id = m.resident_id " \
    " WHERE m.case_id = ?1 "                                                                      \
    "UNION SELECT p.id_number_bidx FROM assistance_case a JOIN resident p ON p.id = a.resident_id "  \
    " WHERE a.id = ?1"

/* The same relation seen from the person: the cases whose people hold
 * resident x (an alias of the enclosing query) — as applicant, as a
 * resident of the household, as a member the investigation recorded. */
#define PERSON_CASE_IDS                                                                                   \
    "SELECT a2.id FROM assistance_case a2 WHERE a2.resident_id = x.id "                                   \
    "UNION SELECT a3.id FROM assistance_case a3 WHERE a3.household_id = x.household_id AND x.status = 'active' " \
    "UNION SELECT m.case_id FROM assistance_member m WHERE m.resident_id = x.id"

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

/* ---- rows ------------------------------------------------------------------ */

void relative_from_row(db_stmt *s, relative_row *r)
{
    char idn[FC_PLAIN_MAX + 1];
    memset(r, 0, sizeof *r);
    r->id = db_col_int(s, 0);
    r->staff_user_id = db_col_int(s, 1);
    r->staff_unit_id = db_col_int(s, 2);
    db_col_copy(s, 3, r->staff_name, sizeof r->staff_name);
    db_col_copy(s, 4, r->staff_post, sizeof r->staff_post);
    db_col_copy(s, 5, r->staff_unit_name, sizeof r->staff_unit_name);
    db_col_copy(s, 6, r->staff_unit_path, sizeof r->staff_unit_path);
    db_col_copy(s, 7, r->relative_name, sizeof r->relative_name);
    db_col_copy(s, 8, r->relation, sizeof r->relation);
    db_col_copy(s, 9, r->registered_on, sizeof r->registered_on);
    if (fc_decrypt(COL_RELATIVE_ID, r->id, db_col_text(s, 10), idn, sizeof idn) != 0)
        fprintf(stderr, "minsheng: 近亲属备案 %lld 的身份证号无法解密（被改动，或缺少该代密钥）\n", (long long)r->id);
    idcard_mask(idn, r->id_masked);
    sodium_memzero(idn, sizeof idn);
    db_col_copy(s, 11, r->created_at, sizeof r->created_at);
    db_col_copy(s, 12, r->removed_at, sizeof r->removed_at);
    db_col_copy(s, 13, r->remove_reason, sizeof r->remove_reason);
    r->resident_id = db_col_int(s, 14);
}

int relative_get(db_conn *db, int64_t id, relative_row *out)
{
    db_stmt *s = db_query(db, RELATIVE_SELECT " WHERE r.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        relative_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* ---- conflict notes -------------------------------------------------------- */

/* Writes the note of case id (NULL: none) when it differs from what it holds, audited. */
static int note_store(db_conn *db, const actor *who, const char *ip, int64_t id, const char *note, int *changed)
{
    char old[1024] = "", path[256] = "", now[20];
    db_stmt *s = db_query(db, "SELECT a.conflict_note, c.org_path FROM assistance_case a JOIN wf_case c ON c.id = a.id"
                              " WHERE a.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, old, sizeof old);
        db_col_copy(s, 1, path, sizeof path);
    }
    db_finalize(s);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 0 : -1;
    if (strcmp(old, note ? note : "") == 0)
        return 0;
    if (db_exec_args(db, "UPDATE assistance_case SET conflict_note = ?, updated_at = ? WHERE id = ?", DB_OPT_TEXT(note),
                     DB_TEXT(db_now(now)), DB_INT(id)) != DB_DONE ||
        audit_write_as(db, who, ip,
                       (audit_entry){.action = "assist_conflict_note", .entity = "assistance_case", .entity_id = id,
                                     .org_path = path, .detail = note && *note ? note : "近亲属备案提示已解除"}) != 0)
        return -1;
    if (changed)
        *changed = 1;
    return 0;
}

int relative_case_note_refresh(db_conn *db, const actor *who, const char *ip, int64_t case_id, int *changed)
{
    strbuf note;
    sb_init(&note);
    db_stmt *s = db_query(db,
                          "SELECT r.staff_name, r.staff_post, r.relation, r.relative_name FROM assistance_relative r"
                          " WHERE r.removed_at IS NULL AND r.relative_id_bidx IN (" CASE_PEOPLE_BIDX ") ORDER BY r.id",
                          DB_INT(case_id));
    int rc, n = 0;
    /* worded as relative_household_note's (the note a case gets at application) */
    while ((rc = db_step(s)) == DB_ROW) {
        sb_puts(&note, n++ == 0 ? "该户有工作人员近亲属备案（" : "；");
        if (note.len < 800)
            sb_printf(&note, "%s %s 的%s %s", db_col_text(s, 1), db_col_text(s, 0), db_col_text(s, 2), db_col_text(s, 3));
    }
    if (n)
        sb_puts(&note, "），经办时相关人员须回避");
    db_finalize(s);
    int r = rc == DB_DONE ? note_store(db, who, ip, case_id, n ? note.data : NULL, changed) : -1;
    sb_free(&note);
    return r;
}

/* Refreshes the notes of every open case whose people hold the person with blind index bidx. */
static int notes_refresh_for(db_conn *db, const actor *who, const char *ip, const char *bidx)
{
    int64_t ids[512];
    size_t n = 0;
    db_stmt *s = db_query(db,
                          "SELECT a.id FROM resident x JOIN assistance_case a ON a.id IN (" PERSON_CASE_IDS ")"
                          " JOIN wf_case c ON c.id = a.id WHERE x.id_number_bidx = ? AND c.closed_at IS NULL ORDER BY a.id",
                          DB_TEXT(bidx));
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        if (n < sizeof ids / sizeof ids[0])
            ids[n++] = db_col_int(s, 0);
    db_finalize(s);
    if (rc != DB_DONE)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (relative_case_note_refresh(db, who, ip, ids[i], NULL) != 0)
            return -1;
    return 0;
}

/* ---- writes ---------------------------------------------------------------- */

static int check_name(const char *v, const char *field, const char *what, char *out, size_t outsz, ms_err *err)
{
    if (!v || !*v)
        return err_set(err, ERR_INVALID, field, "缺少%s", what);
    person_name_normalize(v, out, outsz);
    const char *why = person_name_problem(out);
    return why ? err_set(err, ERR_INVALID, field, "%s：%s", what, why) : 0;
}

int64_t relative_add(db_conn *db, const actor *who, const char *ip, const relative_input *in, ms_err *err)
{
    char staff[128], rel[128], today[11], now[20], bidx[FC_BLIND_HEX], enc[FC_STORED_MAX];
    if (check_name(in->staff_name, "staff_name", "工作人员姓名", staff, sizeof staff, err) != 0 ||
        check_name(in->relative_name, "relative_name", "近亲属姓名", rel, sizeof rel, err) != 0)
        return -1;
    if (!in->staff_post || !str_in_set(in->staff_post, RELATIVE_POSTS))
        return err_set(err, ERR_INVALID, "staff_post", "staff_post 只能是 街道工作人员、社区干部、低保经办人员 或 其他");
    if (!in->relation || !str_in_set(in->relation, RELATIVE_RELATIONS))
        return err_set(err, ERR_INVALID, "relation",
                       "relation 只能是 配偶、父母、子女、兄弟姐妹、祖父母、外祖父母、孙子女、外孙子女 或 其他近亲属");
    idcard_status st = idcard_validate(in->relative_id_number ? in->relative_id_number : "", 0, NULL);
    if (st != IDCARD_OK)
        return err_set(err, ERR_INVALID, "relative_id_number", "近亲属身份证号：%s", idcard_status_message(st));
    db_now(now);
    date_today_text(today);
    const char *on = in->registered_on && *in->registered_on ? in->registered_on : today;
    if (!date_is_valid(on))
        return err_set(err, ERR_INVALID, "registered_on", "备案日期格式应为 YYYY-MM-DD");
    if (strcmp(on, today) > 0)
        return err_set(err, ERR_INVALID, "registered_on", "备案日期 %s 晚于今天（%s）", on, today);
    if (in->staff_user_id > 0 && !db_exists(db, "SELECT 1 FROM app_user WHERE id = ?", DB_INT(in->staff_user_id)))
        return err_set(err, ERR_INVALID, "staff_user_id", "工作人员账号 %lld 不存在", (long long)in->staff_user_id);
    if (!db_exists(db, "SELECT 1 FROM org_unit WHERE id = ?", DB_INT(in->staff_unit_id)))
        return err_set(err, ERR_INVALID, "staff_unit_id", "工作单位 %lld 不存在", (long long)in->staff_unit_id);
    if (fc_blind(FC_ID_NUMBER, in->relative_id_number, 0, bidx) != 0)
        return err_set(err, ERR_DB, NULL, "没有载入数据密钥");
    if (db_exists(db, "SELECT 1 FROM assistance_relative WHERE relative_id_bidx = ? AND removed_at IS NULL"
                      " AND staff_unit_id = ? AND staff_name = ?",
                  DB_TEXT(bidx), DB_INT(in->staff_unit_id), DB_TEXT(staff)))
        return err_set(err, ERR_CONFLICT, "relative_id_number", "该工作人员的这名近亲属已经备案");
    if (db_exec_args(db,
                     "INSERT INTO assistance_relative (staff_user_id, staff_name, staff_post, staff_unit_id, relative_name,"
                     " relation, relative_id_bidx, registered_on, created_by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     DB_ID(in->staff_user_id), DB_TEXT(staff), DB_TEXT(in->staff_post), DB_INT(in->staff_unit_id),
                     DB_TEXT(rel), DB_TEXT(in->relation), DB_TEXT(bidx), DB_TEXT(on), DB_ID(who ? who->id : 0),
                     DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    int64_t id = db_last_insert_id(db);
    int bad = fc_encrypt(COL_RELATIVE_ID, id, in->relative_id_number, enc) != 0;
    if (bad || db_exec_args(db, "UPDATE assistance_relative SET relative_id_enc = ? WHERE id = ?", DB_TEXT(enc),
                            DB_INT(id)) != DB_DONE ||
        notes_refresh_for(db, who, ip, bidx) != 0)
        return err_db(err);
    return id;
}

int relative_remove(db_conn *db, const actor *who, const char *ip, int64_t id, const char *reason, ms_err *err)
{
    char now[20], bidx[FC_BLIND_HEX] = "", removed[20] = "";
    if (!reason || !*reason)
        return err_set(err, ERR_INVALID, "reason", "请填写撤销备案的原因");
    if (utf8_length(reason) > 200)
        return err_set(err, ERR_INVALID, "reason", "原因最多 200 字");
    db_stmt *s = db_query(db, "SELECT relative_id_bidx, removed_at FROM assistance_relative WHERE id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, bidx, sizeof bidx);
        db_col_copy(s, 1, removed, sizeof removed);
    }
    db_finalize(s);
    if (rc != DB_ROW)
        return rc == DB_DONE ? err_set(err, ERR_NOT_FOUND, NULL, "近亲属备案不存在") : err_db(err);
    if (removed[0])
        return err_set(err, ERR_CONFLICT, NULL, "该备案已于 %s 撤销", removed);
    if (db_exec_args(db, "UPDATE assistance_relative SET removed_at = ?, removed_by = ?, remove_reason = ? WHERE id = ?",
                     DB_TEXT(db_now(now)), DB_ID(who ? who->id : 0), DB_TEXT(reason), DB_INT(id)) != DB_DONE ||
        notes_refresh_for(db, who, ip, bidx) != 0)
        return err_db(err);
    return 0;
}

/* ---- the report ------------------------------------------------------------ */

int relative_report(db_conn *db, const char *scope_path, void (*fn)(const relative_hit *h, void *ctx), void *ctx)
{
    char end[256];
    org_path_end(scope_path, end);
    db_stmt *s = db_query(db,
                          "SELECT r.id, r.staff_user_id, r.staff_unit_id, r.staff_name, r.staff_post, u.name, u.path,"
                          "       r.relative_name, r.relation, r.registered_on, r.relative_id_enc, r.created_at,"
                          "       r.removed_at, r.remove_reason, x.id,"
                          "       a.id, a.household_id, p.name, c.state, c.org_path,"
                          "       CASE WHEN a.resident_id = x.id THEN 'applicant' ELSE 'member' END, a.amount_fen"
                          "  FROM assistance_relative r JOIN org_unit u ON u.id = r.staff_unit_id"
                          "  JOIN resident x ON x.id_number_bidx = r.relative_id_bidx"
                          "  JOIN assistance_case a ON a.id IN (" PERSON_CASE_IDS ")"
                          "  JOIN wf_case c ON c.id = a.id"
                          "  JOIN assistance_programme p ON p.id = a.programme_id"
                          " WHERE r.removed_at IS NULL AND c.closed_at IS NULL AND c.org_path >= ? AND c.org_path < ?"
                          " ORDER BY r.id, a.id",
                          DB_TEXT(scope_path), DB_TEXT(end));
    int rc;
    relative_hit h;
    while ((rc = db_step(s)) == DB_ROW) {
        relative_from_row(s, &h.rel);
        h.case_id = db_col_int(s, 15);
        h.household_id = db_col_int(s, 16);
        db_col_copy(s, 17, h.programme, sizeof h.programme);
        db_col_copy(s, 18, h.state, sizeof h.state);
        db_col_copy(s, 19, h.org_path, sizeof h.org_path);
        db_col_copy(s, 20, h.role, sizeof h.role);
        h.amount_fen = db_col_is_null(s, 21) ? -1 : db_col_int(s, 21);
        fn(&h, ctx);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int relative_flagged_cases(db_conn *db, const char *scope_path, void (*fn)(const relative_flagged *f, void *ctx),
                           void *ctx)
{
    char end[256];
    org_path_end(scope_path, end);
    db_stmt *s = db_query(db,
                          "SELECT a.id, p.name, c.state, a.amount_fen, a.conflict_note, x.name, c.org_path"
                          "  FROM assistance_case a JOIN wf_case c ON c.id = a.id"
                          "  JOIN assistance_programme p ON p.id = a.programme_id JOIN resident x ON x.id = a.resident_id"
                          " WHERE a.conflict_note IS NOT NULL AND c.closed_at IS NULL AND c.org_path >= ? AND c.org_path < ?"
                          " ORDER BY a.id",
                          DB_TEXT(scope_path), DB_TEXT(end));
    int rc;
    relative_flagged f;
    while ((rc = db_step(s)) == DB_ROW) {
        f.case_id = db_col_int(s, 0);
        db_col_copy(s, 1, f.programme, sizeof f.programme);
        db_col_copy(s, 2, f.state, sizeof f.state);
        f.amount_fen = db_col_is_null(s, 3) ? -1 : db_col_int(s, 3);
        db_col_copy(s, 4, f.note, sizeof f.note);
        db_col_copy(s, 5, f.applicant, sizeof f.applicant);
        db_col_copy(s, 6, f.org_path, sizeof f.org_path);
        fn(&f, ctx);
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- encryption at rest ---------------------------------------------------- */

int relative_crypt_pass(db_conn *db, int64_t *cursor, int limit)
{
    char like[16], idn[FC_PLAIN_MAX + 1], enc[FC_STORED_MAX], bidx[FC_BLIND_HEX];
    db_stmt *s = db_query(db,
                          "SELECT id, relative_id_enc FROM assistance_relative WHERE id > ?"
                          " AND relative_id_enc IS NOT NULL AND relative_id_enc NOT LIKE ? ORDER BY id LIMIT ?",
                          DB_INT(*cursor), DB_TEXT(fc_current_like(like)), DB_INT(limit));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_col_int(s, 0);
        if (fc_decrypt(COL_RELATIVE_ID, id, db_col_text(s, 1), idn, sizeof idn) != 0 ||
            fc_encrypt(COL_RELATIVE_ID, id, idn, enc) != 0 || fc_blind(FC_ID_NUMBER, idn, 0, bidx) != 0) {
            fprintf(stderr, "minsheng: 近亲属备案 %lld 的身份证号无法解密，未能重新加密\n", (long long)id);
            rc = DB_ERROR;
            break;
        }
        sodium_memzero(idn, sizeof idn);
        if (db_exec_args(db, "UPDATE assistance_relative SET relative_id_enc = ?, relative_id_bidx = ? WHERE id = ?",
                         DB_TEXT(enc), DB_TEXT(bidx), DB_INT(id)) != DB_DONE) {
            rc = DB_ERROR;
            break;
        }
        *cursor = id;
        n++;
    }
    db_finalize(s);
    sodium_memzero(idn, sizeof idn);
    return rc == DB_DONE ? n : -1;
}

int relative_crypt_status(db_conn *db, crypt_status *out)
{
    char like[16];
    db_stmt *s = db_query(db,
                          "SELECT 0,"
                          " COUNT(CASE WHEN relative_id_enc NOT LIKE ? THEN 1 END),"
                          " COUNT(CASE WHEN relative_id_enc LIKE ? THEN 1 END) FROM assistance_relative",
                          DB_TEXT(fc_current_like(like)), DB_TEXT(like));
    int rc = db_step(s);
    if (rc == DB_ROW)
        *out = (crypt_status){db_col_int(s, 0), db_col_int(s, 1), db_col_int(s, 2)};
    db_finalize(s);
    return rc == DB_ROW ? 0 : -1;
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
