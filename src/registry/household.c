/* household.c — household records and their changes (see household.h). */
#include "registry/household.h"
#include "registry/history.h"

#include <stdio.h>
#include <string.h>

static const char *const SQL_GET = HOUSEHOLD_SELECT " WHERE h.id = ? AND " REGISTRY_VISIBLE("h");
static const char *const SQL_IS_ACTIVE_MEMBER =
    "SELECT 1 FROM resident WHERE id = ? AND household_id = ? AND status = 'active'";
static const char *const SQL_UPDATE =
    "UPDATE household SET building_id = ?, address = ?, registered_address = ?, actual_address = ?,"
    " phone_enc = ?, head_resident_id = ?, notes = ?, updated_at = ?, version = version + 1 WHERE id = ?";
static const char *const SQL_MOVE =
    "UPDATE household SET code = ?, grid_id = ?, building_id = ?, address = ?, updated_at = ?, version = version + 1"
    " WHERE id = ?";
static const char *const SQL_GRID_CODE = "SELECT code FROM org_unit WHERE id = ? AND kind = 'grid'";
static const char *const SQL_GRID_BY_CODE = "SELECT id FROM org_unit WHERE code = ? AND kind = 'grid'";
/* The numbers of a grid, current and former: a range of each unique index. */
static const char *const SQL_CODES_FROM =
    "SELECT code FROM household WHERE code >= ? AND code < ?"
    " UNION ALL SELECT code FROM household_former_code WHERE code >= ? AND code < ?";
static const char *const SQL_FORMER =
    "SELECT household_id, valid_to FROM household_former_code WHERE code = ?";
/* In use since its last renumbering, or since the household was registered. */
static const char *const SQL_KEEP_FORMER =
    "INSERT INTO household_former_code(household_id, code, grid_id, valid_from, valid_to)"
    " VALUES (?, ?, ?, COALESCE((SELECT MAX(valid_to) FROM household_former_code WHERE household_id = ?), ?), ?)";
static const char *const SQL_MOVE_MEMBERS =
    "UPDATE resident SET grid_id = ?, updated_at = ?, version = version + 1 WHERE household_id = ?";
static const char *const SQL_CLOSE =
    "UPDATE household SET status = 'closed', updated_at = ?, version = version + 1 WHERE id = ? AND status = 'active'";
static const char *const SQL_CLOSE_MEMBERS =
    "UPDATE resident SET status = 'moved_out', status_date = ?, updated_at = ?, version = version + 1"
    " WHERE household_id = ? AND status = 'active'";

/* Each member who leaves with the household leaves a stop flag, as one
 * marked moved out alone does (resident.h, migration 0018). */
static const char *const SQL_CLOSE_MEMBER_FLAGS =
    "INSERT INTO resident_event_flag(resident_id, event, event_date, created_at, created_by)"
    " SELECT id, 'moved_out', COALESCE(?, substr(?, 1, 10)), ?, ? FROM resident WHERE household_id = ? AND status = 'active'";

#define COL_PHONE "household.phone"
const fc_column_sql household_phone_crypt = {
    .column = COL_PHONE,
    .next = "SELECT id, phone, phone_enc FROM household WHERE id > ?"
            " AND ((phone_enc IS NULL AND phone IS NOT NULL) OR phone_enc NOT LIKE ?) ORDER BY id LIMIT ?",
    .set = "UPDATE household SET phone_enc = ?, phone = NULL WHERE id = ?",
    .status = "SELECT COUNT(CASE WHEN phone_enc IS NULL AND phone IS NOT NULL THEN 1 END),"
              " COUNT(CASE WHEN phone_enc NOT LIKE ? THEN 1 END), COUNT(CASE WHEN phone_enc LIKE ? THEN 1 END)"
              " FROM household",
};

/* ---- loading ------------------------------------------------------------- */

void household_from_row(db_stmt *s, household *h)
{
    h->id = db_col_int(s, 0);
    db_col_copy(s, 1, h->code, sizeof h->code);
    h->grid_id = db_col_int(s, 2);
    db_col_copy(s, 3, h->grid_name, sizeof h->grid_name);
    db_col_copy(s, 4, h->grid_path, sizeof h->grid_path);
    h->building_id = db_col_int(s, 5);
    db_col_copy(s, 6, h->building_name, sizeof h->building_name);
    db_col_copy(s, 7, h->address, sizeof h->address);
    db_col_copy(s, 8, h->registered_address, sizeof h->registered_address);
    db_col_copy(s, 9, h->actual_address, sizeof h->actual_address);
    if (fc_decrypt(COL_PHONE, h->id, db_col_text(s, 10), h->phone, sizeof h->phone) != 0)
        fprintf(stderr, "minsheng: 户 %lld 的电话无法解密（被改动，或缺少该代密钥）\n", (long long)h->id);
    h->head_resident_id = db_col_int(s, 11);
    db_col_copy(s, 12, h->head_name, sizeof h->head_name);
    db_col_copy(s, 13, h->notes, sizeof h->notes);
    db_col_copy(s, 14, h->status, sizeof h->status);
    db_col_copy(s, 15, h->created_at, sizeof h->created_at);
    db_col_copy(s, 16, h->updated_at, sizeof h->updated_at);
    h->member_count = db_col_int(s, 17);
    h->version = db_col_int(s, 18);
    h->community_id = db_col_int(s, 19);
    db_col_copy(s, 20, h->community_name, sizeof h->community_name);
}

int household_get(db_conn *db, int64_t id, household *out)
{
    db_stmt *s = db_query(db, SQL_GET, DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        household_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

static int household_has_active_member(db_conn *db, int64_t household_id, int64_t resident_id)
{
    return db_exists(db, SQL_IS_ACTIVE_MEMBER, DB_INT(resident_id), DB_INT(household_id));
}

static const char *or_null(const char *v)
{
    return v && *v ? v : NULL;
}

/* The row's values with the fields of c laid over them (strings point
 * into *h or into c's). */
static household_change overlay(const household *h, const household_change *c)
{
    household_change m = {
        .building_id = h->building_id, .head_resident_id = h->head_resident_id, .address = h->address,
        .registered_address = or_null(h->registered_address), .actual_address = or_null(h->actual_address),
        .phone = or_null(h->phone), .notes = or_null(h->notes)};
#define TAKE(bit, field) if (c->set & (bit)) m.field = c->field
    TAKE(HC_BUILDING, building_id);
    TAKE(HC_HEAD, head_resident_id);
    TAKE(HC_ADDRESS, address);
    TAKE(HC_REGISTERED_ADDRESS, registered_address);
    TAKE(HC_ACTUAL_ADDRESS, actual_address);
    TAKE(HC_PHONE, phone);
    TAKE(HC_NOTES, notes);
#undef TAKE
    return m;
}

/* ---- changes ------------------------------------------------------------- */

static int log_event(db_conn *db, const actor *who, int64_t id, const registry_event *e)
{
    registry_event ev = *e;
    ev.entity = "household";
    ev.entity_id = id;
    ev.user_id = who ? who->id : 0;
    return history_add(db, &ev) == DB_DONE ? 0 : -1;
}

/* The row as it is inside the caller's transaction, which every rule is
 * checked on (anything the caller read before BEGIN IMMEDIATE may be
 * stale), and the If-Match check against its version. */
static int load_for_write(db_conn *db, int64_t id, int64_t if_version, household *fresh, ms_err *err)
{
    int rc = household_get(db, id, fresh);
    if (rc < 0)
        return err_db(err);
    if (rc > 0)
        return err_set(err, ERR_NOT_FOUND, NULL, "户不存在或不在您的管辖范围内");
    return err_check_version(err, "户", fresh->version, if_version);
}

/* ---- household numbers ------------------------------------------------------ */

int household_code_format(const char *grid_code, int64_t serial, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "%s-%0*lld", grid_code, HOUSEHOLD_SERIAL_DIGITS, (long long)serial);
    return serial > 0 && n > 0 && (size_t)n < outsz ? 0 : -1;
}

int64_t household_code_parse(const char *code, char *prefix, size_t prefixsz)
{
    const char *dash = code ? strrchr(code, '-') : NULL;
    prefix[0] = '\0';
    if (!dash || dash == code || strlen(dash + 1) < HOUSEHOLD_SERIAL_DIGITS || strlen(dash + 1) > 12)
        return 0;
    int64_t serial = 0;
    for (const char *p = dash + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        serial = serial * 10 + (*p - '0');
    }
    if (serial <= 0 || (size_t)(dash - code) >= prefixsz)
        return 0;
    snprintf(prefix, prefixsz, "%.*s", (int)(dash - code), code);
    return serial;
}

int household_code_next(db_conn *db, int64_t grid_id, char out[64], ms_err *err)
{
    char grid_code[64], lo[80], hi[80], prefix[64];
    if (db_one_text(db, grid_code, sizeof grid_code, SQL_GRID_CODE, DB_INT(grid_id)) != 1)
        return err_db(err);
    snprintf(lo, sizeof lo, "%s-", grid_code);   /* "G-" <= code < "G." */
    snprintf(hi, sizeof hi, "%s.", grid_code);
    int64_t top = 0;
    db_stmt *s = db_query(db, SQL_CODES_FROM, DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(lo), DB_TEXT(hi));
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t serial = household_code_parse(db_col_text(s, 0), prefix, sizeof prefix);
        if (serial > top && strcmp(prefix, grid_code) == 0)
            top = serial;
    }
    db_finalize(s);
    if (rc != DB_DONE || household_code_format(grid_code, top + 1, out, 64) != 0)
        return err_db(err);
    return 0;
}

int household_code_former(db_conn *db, const char *code, int64_t *household_id, char valid_to[20])
{
    db_stmt *s = db_query(db, SQL_FORMER, DB_TEXT(code));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *household_id = db_col_int(s, 0);
        db_col_copy(s, 1, valid_to, 20);
    }
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int household_code_check(db_conn *db, const char *code, int64_t grid_id, ms_err *err)
{
    char prefix[64], to[20];
    int64_t other;
    if (household_code_parse(code, prefix, sizeof prefix) > 0) {
        int64_t named = db_one_int(db, 0, SQL_GRID_BY_CODE, DB_TEXT(prefix));
        if (named > 0 && named != grid_id)
            return err_set(err, ERR_INVALID, "code", HOUSEHOLD_CODE_OTHER_GRID_MSG, code, prefix);
    }
    int rc = household_code_former(db, code, &other, to);
    if (rc < 0)
        return err_db(err);
    if (rc == 0)
        return err_set(err, ERR_CONFLICT, "code", HOUSEHOLD_CODE_FORMER_MSG, code);
    return 0;
}

/* Inserts the household; with a number to issue (*code, generated) a
 * number taken meanwhile is given up for the next one, each try in a
 * savepoint (on PostgreSQL a failed statement aborts the transaction). */
static int insert_numbered(db_conn *db, const household_input *in, int generated, char code[64], int64_t *id_out)
{
    household_input numbered = *in;
    registry_writer *w = registry_writer_open(db);
    int rc = DB_ERROR;
    if (generated)
        numbered.code = code;
    for (int tries = 0; w && tries < 8; tries++) {
        if (generated && db_exec(db, "SAVEPOINT household_number") != DB_DONE)
            break;
        rc = registry_insert_household(w, &numbered, id_out);
        if (!generated)
            break;
        if (rc != DB_CONSTRAINT) {
            if (db_exec(db, "RELEASE SAVEPOINT household_number") != DB_DONE)
                rc = DB_ERROR;
            break;
        }
        char prefix[64];
        int64_t serial = household_code_parse(code, prefix, sizeof prefix);
        if (db_exec(db, "ROLLBACK TO SAVEPOINT household_number") != DB_DONE ||
            db_exec(db, "RELEASE SAVEPOINT household_number") != DB_DONE ||
            household_code_format(prefix, serial + 1, code, 64) != 0) {
            rc = DB_ERROR;
            break;
        }
    }
    registry_writer_close(w);
    return rc;
}

int household_create(db_conn *db, const actor *who, const household_input *in, int64_t *id_out, ms_err *err)
{
    char code[64] = "";
    int generated = !in->code;
    if (generated ? household_code_next(db, in->grid_id, code, err) != 0
                  : household_code_check(db, in->code, in->grid_id, err) != 0)
        return -1;
    int rc = insert_numbered(db, in, generated, code, id_out);
    if (rc == DB_CONSTRAINT)
        return err_set(err, ERR_CONFLICT, "code", "户编号 %s 已存在", generated ? code : in->code);
    if (rc != DB_DONE || log_event(db, who, *id_out, &(registry_event){.kind = "created"}) != 0)
        return err_db(err);
    return 0;
}

int household_update(db_conn *db, const actor *who, int64_t id, int64_t if_version, const household_change *change,
                     household *before, ms_err *err)
{
    char now[20];
    household fresh, *cur = before ? before : &fresh;
    if (load_for_write(db, id, if_version, cur, err) != 0)
        return -1;
    household_change merged = overlay(cur, change), *c = &merged;
    household_input in = {.code = cur->code, .grid_id = cur->grid_id, .building_id = c->building_id,
                          .address = c->address, .registered_address = c->registered_address,
                          .actual_address = c->actual_address, .phone = c->phone, .notes = c->notes};
    if (household_input_check(&in, err) != 0)
        return -1;
    if (c->head_resident_id && c->head_resident_id != cur->head_resident_id &&
        !household_has_active_member(db, cur->id, c->head_resident_id))
        return err_set(err, ERR_INVALID, "head_resident_id", "户主须为本户在册成员");
    char phone_enc[FC_STORED_MAX];
    if (household_encrypt_phone(cur->id, c->phone, phone_enc) != 0)
        return err_db(err);
    int rc = db_exec_args(db, SQL_UPDATE, DB_ID(c->building_id), DB_TEXT(c->address), DB_TEXT(c->registered_address),
                          DB_TEXT(c->actual_address), DB_OPT_TEXT(phone_enc), DB_ID(c->head_resident_id),
                          DB_TEXT(c->notes), DB_TEXT(db_now(now)), DB_INT(cur->id));
    if (rc != DB_DONE || log_event(db, who, cur->id, &(registry_event){.kind = "updated"}) != 0)
        return err_db(err);
    return 0;
}

int household_move(db_conn *db, const actor *who, int64_t id, int64_t if_version, int64_t grid_id,
                   int64_t building_id, const char *address, household *before, ms_err *err)
{
    char now[20];
    household fresh, *cur = before ? before : &fresh;
    if (load_for_write(db, id, if_version, cur, err) != 0)
        return -1;
    if (!address)
        address = cur->address;
    if (strcmp(cur->status, "active") != 0)
        return err_set(err, ERR_INVALID, NULL, "该户已注销，不能迁移");
    if (grid_id == cur->grid_id && building_id == cur->building_id && strcmp(address, cur->address) == 0)
        return err_set(err, ERR_INVALID, "grid_id", "该户已在此网格和楼栋，无需迁移");
    db_now(now);
    /* Into another grid: a number of that grid; the old one is kept. */
    char code[64], note[160] = "";
    snprintf(code, sizeof code, "%s", cur->code);
    if (grid_id != cur->grid_id) {
        if (household_code_next(db, grid_id, code, err) != 0)
            return -1;
        if (db_exec_args(db, SQL_KEEP_FORMER, DB_INT(cur->id), DB_TEXT(cur->code), DB_INT(cur->grid_id),
                         DB_INT(cur->id), DB_TEXT(cur->created_at), DB_TEXT(now)) != DB_DONE)
            return err_db(err);
        snprintf(note, sizeof note, "户编号由 %s 改为 %s", cur->code, code);
    }
    registry_event moved = {.kind = "moved", .from_grid = cur->grid_id, .to_grid = grid_id,
                            .user_id = who ? who->id : 0, .note = note[0] ? note : NULL};
    if (db_exec_args(db, SQL_MOVE, DB_TEXT(code), DB_INT(grid_id), DB_ID(building_id), DB_TEXT(address), DB_TEXT(now),
                     DB_INT(cur->id)) != DB_DONE ||
        history_add_members(db, cur->id, &moved) != DB_DONE ||
        db_exec_args(db, SQL_MOVE_MEMBERS, DB_INT(grid_id), DB_TEXT(now), DB_INT(cur->id)) != DB_DONE ||
        log_event(db, who, cur->id, &moved) != 0)
        return err_db(err);
    return 0;
}

int household_close(db_conn *db, const actor *who, int64_t id, int64_t if_version, const char *date,
                    const char *note, household *before, ms_err *err)
{
    char now[20];
    household fresh, *cur = before ? before : &fresh;
    if (load_for_write(db, id, if_version, cur, err) != 0)
        return -1;
    if (strcmp(cur->status, "active") != 0)
        return err_set(err, ERR_INVALID, NULL, "该户已注销");
    db_now(now);
    registry_event left = {.kind = "moved_out", .from_grid = cur->grid_id, .event_date = date, .note = note,
                           .user_id = who ? who->id : 0};
    if (history_add_members(db, cur->id, &left) != DB_DONE ||
        db_exec_args(db, SQL_CLOSE_MEMBER_FLAGS, DB_TEXT(date), DB_TEXT(now), DB_TEXT(now), DB_ID(who ? who->id : 0),
                     DB_INT(cur->id)) != DB_DONE ||
        db_exec_args(db, SQL_CLOSE_MEMBERS, DB_TEXT(date), DB_TEXT(now), DB_INT(cur->id)) != DB_DONE ||
        db_exec_args(db, SQL_CLOSE, DB_TEXT(now), DB_INT(cur->id)) != DB_DONE || db_changes(db) != 1 ||
        log_event(db, who, cur->id, &(registry_event){.kind = "closed", .from_grid = cur->grid_id,
                                                       .event_date = date, .note = note}) != 0)
        return err_db(err);
    return 0;
}

int household_encrypt_phone(int64_t id, const char *phone, char out[FC_STORED_MAX])
{
    return fc_encrypt(COL_PHONE, id, phone, out);
}
