/* transfer.c — transfer-in requests (see transfer.h): the case type,
 * the resident_transfer table's SQL, filing and deciding. */
#include "registry/transfer.h"
#include "registry/household.h"
#include "util/validate.h"

#include <stdio.h>
#include <string.h>

static int releasing_path(db_conn *db, const wf_case *c, char path[WF_PATH_MAX]);

const wf_type transfer_type = {
    .code = "transfer", .label = "迁入申请", .initial = "requested",
    .states = (const wf_state[]){
        {"requested", "待审核", .limit = WF_WORKING_DAYS, .days = 5},
        {"accepted", "已同意", .terminal = 1},
        {"refused", "已拒绝", .terminal = 1},
        {"withdrawn", "已撤回", .terminal = 1},
        {0}},
    .transitions = (const wf_transition[]){
        {"requested", "accept", "同意", "accepted", .roles = TRANSFER_DECIDE_ROLES, .level = WF_LEVEL_GRID,
         .other_party = 1},
        {"requested", "refuse", "拒绝", "refused", .roles = TRANSFER_DECIDE_ROLES, .level = WF_LEVEL_GRID,
         .opinion_required = 1, .other_party = 1},
        {"requested", "withdraw", "撤回", "withdrawn", .roles = TRANSFER_FILE_ROLES, .level = WF_LEVEL_GRID},
        {0}},
    .party_path = releasing_path,
};

static const char *const SQL_INSERT =
    "INSERT INTO resident_transfer(case_id, resident_id, from_household_id, from_path, to_household_id, to_path,"
    " relation, note) VALUES (?,?,?,?,?,?,?,?)";
static const char *const SQL_FROM_PATH = "SELECT from_path FROM resident_transfer WHERE case_id = ?";
static const char *const SQL_OPEN_OF_RESIDENT =
    "SELECT 1 FROM resident_transfer t JOIN wf_case c ON c.id = t.case_id"
    " WHERE t.resident_id = ? AND c.closed_at IS NULL";
static const char *const SQL_GET = TRANSFER_SELECT " WHERE t.case_id = ? AND c.type = ?";

static int releasing_path(db_conn *db, const wf_case *c, char path[WF_PATH_MAX])
{
    return db_one_text(db, path, WF_PATH_MAX, SQL_FROM_PATH, DB_INT(c->id)) == 1 ? 0 : -1;
}

void transfer_mask_name(const char *name, char *out, size_t outsz)
{
    person_name_mask(name, NAME_MASK_INITIAL, out, outsz);
}

int transfer_sides(const transfer *t, const actor *who)
{
    return (actor_scope_contains(who, t->to_path) ? 1 : 0) | (actor_scope_contains(who, t->from_path) ? 2 : 0);
}

void transfer_from_row(db_stmt *s, transfer *out)
{
    memset(out, 0, sizeof *out);
    out->resident_id = db_col_int(s, 1);
    out->from_household_id = db_col_int(s, 2);
    db_col_copy(s, 3, out->from_path, sizeof out->from_path);
    out->to_household_id = db_col_int(s, 4);
    db_col_copy(s, 5, out->to_path, sizeof out->to_path);
    db_col_copy(s, 6, out->relation, sizeof out->relation);
    db_col_copy(s, 7, out->note, sizeof out->note);
    db_col_copy(s, 8, out->person_name, sizeof out->person_name);
    db_col_copy(s, 9, out->to_household_code, sizeof out->to_household_code);
    db_col_copy(s, 10, out->to_grid_name, sizeof out->to_grid_name);
    wf_case_from_row(s, 11, &out->c);
}

int transfer_get(db_conn *db, int64_t id, transfer *out)
{
    db_stmt *s = db_query(db, SQL_GET, DB_INT(id), DB_TEXT(transfer_type.code));
    int rc = db_step(s);
    if (rc == DB_ROW)
        transfer_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int64_t transfer_file(db_conn *db, const actor *who, const char *ip, const char *id_number, int64_t to_household,
                      const char *relation, const char *note, ms_err *err)
{
    household to;
    resident r;
    int64_t rid;
    char title[WF_TITLE_CHARS * 4 + 1], masked[16];
    if (!who || !(who->role & TRANSFER_FILE_ROLES))
        return err_set(err, ERR_FORBIDDEN, NULL, "迁入申请须由社区工作人员或网格员提出");
    if (relation && !str_in_set(relation, resident_relation_values))
        return err_set(err, ERR_INVALID, "relation", "与户主关系不在可选值内");
    if (note && (utf8_length(note) < 0 || utf8_length(note) > 500))
        return err_set(err, ERR_INVALID, "note", "说明不能超过500字");
    int rc = household_get(db, to_household, &to);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, to.grid_path))
        return err_set(err, ERR_NOT_FOUND, "household_id", "户不存在或不在您的管辖范围内");
    if (strcmp(to.status, "active") != 0)
        return err_set(err, ERR_INVALID, "household_id", "目标户已注销");
    if ((rc = resident_by_id_number(db, id_number, &rid)) < 0 || (rc == 0 && (rc = resident_get(db, rid, &r)) < 0))
        return err_db(err);
    if (rc > 0)
        return err_set(err, ERR_NOT_FOUND, "id_number", "该身份证号未登记，请直接登记居民");
    if (actor_scope_contains(who, r.grid_path))
        return err_set(err, ERR_INVALID, "id_number", "该居民已在您的管辖范围内，请直接办理迁移");
    if (db_exists(db, SQL_OPEN_OF_RESIDENT, DB_INT(r.id)))
        return err_set(err, ERR_CONFLICT, "id_number", "该居民已有待审核的迁入申请");
    transfer_mask_name(r.name, masked, sizeof masked);
    snprintf(title, sizeof title, "%s 迁入 户编号 %s", masked, to.code);
    utf8_trim_partial(title);
    int64_t id = wf_create(db, &transfer_type, to.grid_path, title, who, ip, err);
    if (id < 0)
        return -1;
    if (db_exec_args(db, SQL_INSERT, DB_INT(id), DB_INT(r.id), DB_INT(r.household_id), DB_TEXT(r.grid_path),
                     DB_INT(to.id), DB_TEXT(to.grid_path), DB_TEXT(relation ? relation : "其他"),
                     DB_OPT_TEXT(note)) != DB_DONE)
        return err_db(err);
    return id;
}

int transfer_act(db_conn *db, const actor *who, const char *ip, int64_t id, const char *action, const char *opinion,
                 resident *moved, ms_err *err)
{
    transfer t;
    resident now;
    int rc = transfer_get(db, id, &t);
    if (rc < 0)
        return err_db(err);
    if (rc > 0)
        return err_set(err, ERR_NOT_FOUND, NULL, "迁入申请不存在或不在您的管辖范围内");
    wf_input in = {.opinion = opinion};
    if (wf_perform(db, &transfer_type, id, action, who, ip, &in, NULL, err) != 0)
        return -1;
    if (strcmp(action, "accept") != 0)
        return 0;
    if ((rc = resident_get(db, t.resident_id, &now)) != 0)
        return rc < 0 ? err_db(err) : err_set(err, ERR_CONFLICT, NULL, "该居民的登记已不存在");
    if (now.household_id != t.from_household_id)
        return err_set(err, ERR_CONFLICT, NULL, "该居民已不在申请时的户中：请拒绝本申请，由迁入方重新申请");
    return resident_move_in(db, who, t.resident_id, t.to_household_id, t.relation, moved, err);
}
