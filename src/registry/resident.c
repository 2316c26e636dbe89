/* resident.c — resident records and their changes (see resident.h). */
#include "registry/resident.h"
#include "registry/derived.h"
#include "registry/history.h"
#include "registry/household.h"
#include "registry/resident_search.h"
#include "util/idcard.h"
#include "util/validate.h"
#include "workflow/calendar.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SQL_GET_WHERE " WHERE r.id = ? AND " REGISTRY_VISIBLE("r")
static const char *const SQL_HOUSEHOLD_ACTIVE =
    "SELECT 1 FROM household h WHERE h.id = ? AND h.status = 'active' AND " REGISTRY_VISIBLE("h");
/* Hidden rows of a running import take their number too. */
static const char *const SQL_BY_ID_NUMBER = "SELECT r.id FROM resident r WHERE " RESIDENT_BY_ID_NUMBER " ORDER BY r.id";
/* The same with one key generation loaded: one probe of the index, no IN list built per call. */
static const char *const SQL_BY_ID_NUMBER_ONE = "SELECT id FROM resident WHERE id_number_bidx = ?";
static const char *const SQL_OTHER_HEAD =
    "SELECT 1 FROM resident WHERE household_id = ? AND relation = '户主' AND status = 'active' AND id <> ?";
static const char *const SQL_CLEAR_HEAD =
    "UPDATE household SET head_resident_id = NULL, updated_at = ?, version = version + 1"
    " WHERE id = ? AND head_resident_id = ?";
static const char *const SQL_SET_HEAD_IF_NONE =
    "UPDATE household SET head_resident_id = ?, version = version + 1 WHERE id = ? AND head_resident_id IS NULL";
static const char *const SQL_UPDATE =
    "UPDATE resident SET name = ?, relation = ?, phone_bidx = ?, phone_enc = ?, hukou_type = ?, residence_status = ?,"
    " employment = ?, disability_enc = ?, party_member = ?, notes = ?,"
    " updated_at = ?, version = version + 1 WHERE id = ?";
static const char *const SQL_DELETE_TAGS = "DELETE FROM resident_tag WHERE resident_id = ?";
static const char *const SQL_INSERT_TAG =
    "INSERT INTO resident_tag(resident_id, tag) VALUES (?,?) ON CONFLICT DO NOTHING";
static const char *const SQL_MOVE =
    "UPDATE resident SET household_id = ?, grid_id = ?, relation = ?, updated_at = ?, version = version + 1 WHERE id = ?";
static const char *const SQL_COUNT = "SELECT COUNT(*), COUNT(CASE WHEN status = 'active' THEN 1 END) FROM resident";
/* Rows left to (re-)encrypt: plaintext (id_number_enc NULL) or any value
 * not under the newest generation (the LIKE bound three times). */
static const char *const SQL_CRYPT_NEXT =
    "SELECT id, id_number_bidx, phone_bidx, disability_type, disability_grade, id_number_enc, phone_enc,"
    " disability_enc, name, grid_id FROM resident WHERE id > ? AND (id_number_enc IS NULL OR id_number_enc NOT LIKE ?"
    " OR (phone_enc IS NOT NULL AND phone_enc NOT LIKE ?) OR (disability_enc IS NOT NULL AND disability_enc NOT LIKE ?))"
    " ORDER BY id LIMIT ?";
static const char *const SQL_CRYPT_SET =
    "UPDATE resident SET id_number_bidx = ?, id_number_enc = ?, phone_bidx = ?, phone_enc = ?, disability_enc = ?,"
    " disability_type = NULL, disability_grade = NULL WHERE id = ?";
static const char *const SQL_CRYPT_STATUS =
    "SELECT COUNT(CASE WHEN id_number_enc IS NULL THEN 1 END), COUNT(CASE WHEN id_number_enc NOT LIKE ? THEN 1 END),"
    " COUNT(CASE WHEN id_number_enc LIKE ? THEN 1 END) FROM resident";
static const char *const SQL_DROP_ELDERLY_TAG = "DELETE FROM resident_tag WHERE resident_id = ? AND tag = 'elderly'";
static const char *const SQL_ADD_FLAG =
    "INSERT INTO resident_event_flag(resident_id, event, event_date, created_at, created_by) VALUES (?,?,?,?,?)";
static const char *const SQL_LAST_FLAG =
    "SELECT id, event, event_date, created_at, handled_at FROM resident_event_flag WHERE resident_id = ?"
    " ORDER BY id DESC LIMIT 1";
static const char *const SQL_WHERE_REGISTERED =
    "SELECT g.path, h.code, r.status FROM resident r JOIN household h ON h.id = r.household_id"
    " JOIN org_unit g ON g.id = r.grid_id WHERE r.id = ?";
static const char *const SQL_UNIT_NAME = "SELECT name FROM org_unit WHERE path = ?";
static const char *const SQL_OTHER_ACTIVE_MEMBERS =
    "SELECT 1 FROM resident WHERE household_id = ? AND status = 'active' AND id <> ?";
static const char *const SQL_REACTIVATE =
    "UPDATE resident SET status = 'active', status_date = NULL, updated_at = ?, version = version + 1 WHERE id = ?";
static const char *const SQL_SET_STATUS =
    "UPDATE resident SET status = ?, status_date = ?, updated_at = ?, version = version + 1 WHERE id = ?";

/* ---- loading ------------------------------------------------------------- */

int resident_count(db_conn *db, int64_t *all, int64_t *active)
{
    db_stmt *s = db_query(db, SQL_COUNT);
    int rc = db_step(s) == DB_ROW ? 0 : -1;
    *all = rc == 0 ? db_col_int(s, 0) : 0;
    *active = rc == 0 ? db_col_int(s, 1) : 0;
    db_finalize(s);
    return rc;
}

/* "dibao,elderly" → static tag codes. */
static void tags_from_csv(const char *csv, resident *r)
{
    r->ntags = 0;
    for (const char *p = csv; p && *p && r->ntags < REGISTRY_MAX_TAGS;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char code[32];
        snprintf(code, sizeof code, "%.*s", (int)(n < sizeof code ? n : sizeof code - 1), p);
        const char *known = resident_tag_code(code);
        if (known)
            r->tags[r->ntags++] = known;
        p = end ? end + 1 : p + n;
    }
}

/* The columns' names in the associated data of their ciphertexts. */
#define COL_ID_NUMBER "resident.id_number"
#define COL_PHONE "resident.phone"
#define COL_DISABILITY "resident.disability"

static void decrypt_or_warn(const char *column, int64_t id, const char *stored, char *out, size_t outsz)
{
    if (fc_decrypt(column, id, stored, out, outsz) != 0)
        fprintf(stderr, "minsheng: 居民 %lld 的 %s 无法解密（被改动，或缺少该代密钥）\n", (long long)id, column);
}

/* disability_enc holds "<grade><type>" ("2肢体"); "" = none. */
static void disability_split(const char *plain, resident *r)
{
    r->disability_grade = plain[0] >= '1' && plain[0] <= '4' ? plain[0] - '0' : 0;
    snprintf(r->disability_type, sizeof r->disability_type, "%.15s", r->disability_grade ? plain + 1 : "");
}

static void disability_join(const char *type, int grade, char out[40])
{
    out[0] = '\0';
    if (type && *type && grade >= 1 && grade <= 4)
        snprintf(out, 40, "%d%s", grade, type);
}

void resident_decrypt_values(int64_t id, const char *id_number_enc, const char *phone_enc, const char *disability_enc,
                             resident *r)
{
    char dis[40];
    decrypt_or_warn(COL_ID_NUMBER, id, id_number_enc, r->id_number, sizeof r->id_number);
    decrypt_or_warn(COL_PHONE, id, phone_enc, r->phone, sizeof r->phone);
    decrypt_or_warn(COL_DISABILITY, id, disability_enc, dis, sizeof dis);
    disability_split(dis, r);
}

char *resident_id_number_masked(int64_t id, const char *id_number_enc, char out[static 19])
{
    char plain[FC_PLAIN_MAX + 1] = "";
    out[0] = '\0';
    if (id_number_enc && *id_number_enc) {
        decrypt_or_warn(COL_ID_NUMBER, id, id_number_enc, plain, sizeof plain);
        if (plain[0])
            idcard_mask(plain, out);
    }
    sodium_memzero(plain, sizeof plain);
    return out;
}

void resident_from_row(db_stmt *s, resident *r)
{
    r->id = db_col_int(s, 0);
    resident_decrypt_values(r->id, db_col_text(s, 1), db_col_text(s, 10), db_col_text(s, 14), r);
    db_col_copy(s, 2, r->name, sizeof r->name);
    db_col_copy(s, 3, r->sex, sizeof r->sex);
    db_col_copy(s, 4, r->birth_date, sizeof r->birth_date);
    r->household_id = db_col_int(s, 5);
    db_col_copy(s, 6, r->household_code, sizeof r->household_code);
    r->grid_id = db_col_int(s, 7);
    db_col_copy(s, 8, r->grid_name, sizeof r->grid_name);
    db_col_copy(s, 9, r->relation, sizeof r->relation);
    db_col_copy(s, 11, r->hukou_type, sizeof r->hukou_type);
    db_col_copy(s, 12, r->residence_status, sizeof r->residence_status);
    db_col_copy(s, 13, r->employment, sizeof r->employment);
    r->party_member = db_col_int(s, 16) != 0;
    db_col_copy(s, 17, r->status, sizeof r->status);
    db_col_copy(s, 18, r->status_date, sizeof r->status_date);
    db_col_copy(s, 19, r->notes, sizeof r->notes);
    db_col_copy(s, 20, r->created_at, sizeof r->created_at);
    db_col_copy(s, 21, r->updated_at, sizeof r->updated_at);
    db_col_copy(s, 22, r->grid_path, sizeof r->grid_path);
    tags_from_csv(db_col_text(s, 23), r);
    r->version = db_col_int(s, 24);
    r->community_id = db_col_int(s, 25);
    db_col_copy(s, 26, r->community_name, sizeof r->community_name);
    db_col_copy(s, 27, r->id_kind, sizeof r->id_kind);
    if (!r->id_kind[0]) {   /* registered before migration 0018: the number says */
        idcard_info info;
        if (idcard_validate(r->id_number, 0, &info) == IDCARD_OK)
            snprintf(r->id_kind, sizeof r->id_kind, "%s", idcard_kind_code(info.kind));
    }
}

int resident_get(db_conn *db, int64_t id, resident *out)
{
    db_stmt *s = db_query(db, RESIDENT_SQL(db, SQL_GET_WHERE), DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        resident_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

static const char *or_null(const char *v)
{
    return v && *v ? v : NULL;
}

void resident_to_input(const resident *r, resident_input *in)
{
    memset(in, 0, sizeof *in);
    in->id_number = r->id_number;
    in->name = r->name;
    in->relation = or_null(r->relation);
    in->phone = or_null(r->phone);
    in->hukou_type = or_null(r->hukou_type);
    in->residence_status = or_null(r->residence_status);
    in->employment = or_null(r->employment);
    in->disability_type = or_null(r->disability_type);
    in->disability_grade = r->disability_grade;
    in->party_member = r->party_member;
    in->notes = or_null(r->notes);
    for (size_t i = 0; i < r->ntags; i++)
        in->tags[i] = r->tags[i];
    in->ntags = r->ntags;
}

/* ---- the head rule ------------------------------------------------------- */

static int is_head(const char *relation)
{
    return relation && strcmp(relation, "户主") == 0;
}

int resident_id_taken(db_conn *db, const char *id_number)
{
    int64_t id;
    int rc = resident_by_id_number(db, id_number, &id);
    return rc < 0 ? -1 : rc == 0;
}

/* Placeholders of resident_ids_taken's query: one per generation of
 * each ID of a full batch (a shorter batch repeats its first index). */
#define IDS_TAKEN_N (RESIDENT_TAKEN_BATCH * KEYS_MAX_GENERATIONS)

int resident_ids_taken(db_conn *db, const char *const *ids, size_t n, unsigned char *taken)
{
    enum { G = KEYS_MAX_GENERATIONS, MAX = IDS_TAKEN_N };
    static __thread char bidx[RESIDENT_TAKEN_BATCH][G][FC_BLIND_HEX];
    if (n == 0)
        return 0;
    if (n > RESIDENT_TAKEN_BATCH)
        return -1;
    for (size_t i = 0; i < n; i++) {
        taken[i] = 0;
        if (fc_blinds(FC_ID_NUMBER, ids[i], bidx[i]) != 0)
            return -1;
    }
    char sql[256 + 5 * IDS_TAKEN_N];
    db_stmt *s = db_prepare(db, db_sql_keys_lookup(db, sql, sizeof sql, "id_number_bidx", "resident", "id_number_bidx",
                                                   IDS_TAKEN_N));
    for (int k = 0; k < MAX; k++) {
        size_t i = (size_t)k / G;
        db_bind_text(s, k + 1, i < n ? bidx[i][k % G] : bidx[0][0]);
    }
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *found = db_col_text(s, 0);
        for (size_t i = 0; i < n; i++)
            for (int g = 0; g < G; g++)
                taken[i] |= strcmp(bidx[i][g], found) == 0;
    }
    db_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int resident_by_id_number(db_conn *db, const char *id_number, int64_t *id)
{
    char bidx[KEYS_MAX_GENERATIONS][FC_BLIND_HEX];
    if (fc_blinds(FC_ID_NUMBER, id_number, bidx) != 0)
        return -1;
    db_stmt *s = strcmp(bidx[0], bidx[1]) == 0 ? db_query(db, SQL_BY_ID_NUMBER_ONE, DB_TEXT(bidx[0]))
                                               : db_query(db, SQL_BY_ID_NUMBER, DB_TEXT(bidx[0]), DB_TEXT(bidx[1]));
    int rc = db_step(s);
    if (rc == DB_ROW)
        *id = db_col_int(s, 0);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* The first `levels` ids of org path p ("/1/4/17/", 2 → "/1/4/") into
 * out; 0, or -1 when p has fewer. */
static int path_head(const char *p, int levels, char out[256])
{
    size_t i = 1;
    for (int n = 0; n < levels; n++) {
        const char *slash = strchr(p + i, '/');
        if (!slash)
            return -1;
        i = (size_t)(slash - p) + 1;
    }
    if (i >= 256)
        return -1;
    memcpy(out, p, i);
    out[i] = '\0';
    return 0;
}

int registry_place_seen(db_conn *db, const char *scope_path, const char *path, char *name, size_t namesz)
{
    char street[256], own_street[256], unit[256];
    size_t n = scope_path ? strlen(scope_path) : 0;
    name[0] = '\0';
    if (n == 0 || strncmp(scope_path, path, n) == 0)   /* inside the scope: the unit's own name */
        return db_one_text(db, name, namesz, SQL_UNIT_NAME, DB_TEXT(path)) == 1 ? PLACE_IN_SCOPE : -1;
    /* the street is the first id of a path ("/1/4/17/" → "/1/"); the district ("/") contains every street */
    int same_street = path_head(path, 1, street) == 0 && path_head(scope_path, 1, own_street) == 0 &&
                      strcmp(street, own_street) == 0;
    if (path_head(path, same_street ? 2 : 1, unit) != 0 ||
        db_one_text(db, name, namesz, SQL_UNIT_NAME, DB_TEXT(unit)) != 1)
        return -1;
    return same_street ? PLACE_COMMUNITY : PLACE_STREET;
}

int resident_where_registered(db_conn *db, const char *scope_path, const char *id_number, char *out, size_t outsz)
{
    int64_t id;
    int rc = resident_by_id_number(db, id_number, &id);
    if (rc != 0)
        return rc;
    char path[256], code[64], status[16], name[128];
    db_stmt *s = db_query(db, SQL_WHERE_REGISTERED, DB_INT(id));
    rc = db_step(s);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, path, sizeof path);
        db_col_copy(s, 1, code, sizeof code);
        db_col_copy(s, 2, status, sizeof status);
    }
    db_finalize(s);
    if (rc != DB_ROW)
        return -1;
    switch (registry_place_seen(db, scope_path, path, name, sizeof name)) {
    case PLACE_IN_SCOPE:   /* as the API shows it inside the scope: name is the grid's */
        snprintf(out, outsz, "该身份证号已登记：网格“%s”，户编号 %s%s", name, code,
                 strcmp(status, "moved_out") == 0 ? "，状态为迁出" : strcmp(status, "deceased") == 0 ? "，状态为已故" : "");
        return 0;
    case PLACE_COMMUNITY:
        snprintf(out, outsz, "该身份证号已在%s登记，可发起迁入申请", name);
        return 0;
    case PLACE_STREET:
        snprintf(out, outsz, "该身份证号已在%s登记", name);
        return 0;
    default:
        return -1;
    }
}

int resident_head_free(db_conn *db, int64_t household_id, int64_t resident_id, ms_err *err)
{
    if (db_exists(db, SQL_OTHER_HEAD, DB_INT(household_id), DB_INT(resident_id)))
        return err_set(err, ERR_INVALID, "relation", "该户已有户主，一户只能有一位户主");
    return 0;
}

int resident_head_rule(db_conn *db, int64_t household_id, int64_t resident_id, const char *old_relation,
                       const char *new_relation, ms_err *err)
{
    char now[20];
    if (!is_head(new_relation)) {
        if (is_head(old_relation) &&
            db_exec_args(db, SQL_CLEAR_HEAD, DB_TEXT(db_now(now)), DB_INT(household_id), DB_INT(resident_id)) != DB_DONE)
            return err_db(err);
        return 0;
    }
    if (resident_head_free(db, household_id, resident_id, err) != 0)
        return -1;
    if (db_exec_args(db, SQL_SET_HEAD_IF_NONE, DB_INT(resident_id), DB_INT(household_id)) != DB_DONE)
        return err_db(err);
    return 0;
}

/* ---- changes ------------------------------------------------------------- */

static int log_event(db_conn *db, const actor *who, const registry_event *e)
{
    registry_event ev = *e;
    ev.entity = "resident";
    ev.user_id = who ? who->id : 0;
    return history_add(db, &ev) == DB_DONE ? 0 : -1;
}

int resident_create(db_conn *db, const actor *who, int64_t household_id, const resident_input *in,
                    int64_t *id_out, ms_err *err)
{
    household hh;
    int rc = household_get(db, household_id, &hh);
    if (rc < 0)
        return err_db(err);
    if (rc > 0)
        return err_set(err, ERR_NOT_FOUND, "household_id", "户不存在或不在您的管辖范围内");
    if (strcmp(hh.status, "active") != 0)
        return err_set(err, ERR_INVALID, "household_id", "该户已注销，不能新增成员");
    char where[512];
    int taken = resident_where_registered(db, who ? who->scope_path : NULL, in->id_number, where, sizeof where);
    if (taken < 0)
        return err_db(err);
    if (taken == 0)
        return err_set(err, ERR_CONFLICT, "id_number", "%s", where);
    /* 高龄 is the birth date's: added here for whoever is 70 or over */
    resident_input tagged = *in;
    idcard_info info;
    if (idcard_validate(in->id_number, 0, &info) == IDCARD_OK)
        derived_tags_apply(&tagged, derived_age(info.birth_date, NULL, 0));
    registry_writer *w = registry_writer_open(db);
    rc = w ? registry_insert_resident(w, hh.id, hh.grid_id, &tagged, id_out) : DB_ERROR;
    registry_writer_close(w);
    if (rc == DB_CONSTRAINT)
        return err_set(err, ERR_CONFLICT, "id_number", "该身份证号已登记");
    if (rc != DB_DONE || log_event(db, who, &(registry_event){.entity_id = *id_out, .kind = "created"}) != 0)
        return err_db(err);
    return resident_head_rule(db, hh.id, *id_out, NULL, in->relation, err);
}

/* The row as it is inside the caller's transaction, which every rule is
 * checked on (anything the caller read before BEGIN IMMEDIATE may be
 * stale), and the If-Match check against its version. */
static int load_for_write(db_conn *db, int64_t id, int64_t if_version, resident *fresh, ms_err *err)
{
    int rc = resident_get(db, id, fresh);
    if (rc < 0)
        return err_db(err);
    if (rc > 0)
        return err_set(err, ERR_NOT_FOUND, NULL, "居民不存在或不在您的管辖范围内");
    return err_check_version(err, "居民", fresh->version, if_version);
}

/* The row's values with the fields of c laid over them. */
static void overlay(const resident *cur, const resident_change *c, resident_input *in)
{
    resident_to_input(cur, in);
#define TAKE(bit, field) if (c->set & (bit)) in->field = c->in.field
    TAKE(RC_NAME, name);
    TAKE(RC_RELATION, relation);
    TAKE(RC_PHONE, phone);
    TAKE(RC_HUKOU, hukou_type);
    TAKE(RC_RESIDENCE, residence_status);
    TAKE(RC_EMPLOYMENT, employment);
    TAKE(RC_DISABILITY_TYPE, disability_type);
    TAKE(RC_DISABILITY_GRADE, disability_grade);
    TAKE(RC_PARTY, party_member);
    TAKE(RC_NOTES, notes);
#undef TAKE
    if (c->set & RC_TAGS) {
        memcpy(in->tags, c->in.tags, sizeof in->tags);
        in->ntags = c->in.ntags;
    }
}

static int write_tags(db_conn *db, int64_t id, const resident_input *in)
{
    if (db_exec_args(db, SQL_DELETE_TAGS, DB_INT(id)) != DB_DONE)
        return -1;
    for (size_t i = 0; i < in->ntags; i++)
        if (db_exec_args(db, SQL_INSERT_TAG, DB_INT(id), DB_TEXT(resident_tag_code(in->tags[i]))) != DB_DONE)
            return -1;
    return 0;
}

/* The text fields of an update, with the Chinese name each has in the
 * history (the note of an "updated" event). */
static const struct {
    size_t off;
    const char *label, *unset;   /* unset: what NULL stands for */
} UPDATE_TEXT[] = {
    {offsetof(resident_input, name), "姓名", ""},
    {offsetof(resident_input, relation), "与户主关系", "其他"},
    {offsetof(resident_input, phone), "联系电话", ""},
    {offsetof(resident_input, hukou_type), "户籍类型", ""},
    {offsetof(resident_input, residence_status), "居住状态", "户籍"},
    {offsetof(resident_input, employment), "就业状态", ""},
    {offsetof(resident_input, disability_type), "残疾类别", ""},
    {offsetof(resident_input, notes), "备注", ""},
};

static int same_tags(const resident_input *a, const resident_input *b)
{
    if (a->ntags != b->ntags)
        return 0;
    for (size_t i = 0; i < a->ntags; i++) {
        size_t j = 0;
        while (j < b->ntags && strcmp(a->tags[i], b->tags[j]) != 0)
            j++;
        if (j == b->ntags)
            return 0;
    }
    return 1;
}

/* "修改：联系电话、标签": which fields an update changed, never their
 * values (every registry role reads the history, the viewer included);
 * "" when none did. */
static void update_note(const resident_input *was, const resident_input *now, char *out, size_t outsz)
{
    const char *changed[16];
    size_t n = 0;
    for (size_t i = 0; i < sizeof UPDATE_TEXT / sizeof UPDATE_TEXT[0]; i++) {
        const char *a = *(const char *const *)((const char *)was + UPDATE_TEXT[i].off);
        const char *b = *(const char *const *)((const char *)now + UPDATE_TEXT[i].off);
        if (strcmp(a ? a : UPDATE_TEXT[i].unset, b ? b : UPDATE_TEXT[i].unset) != 0)
            changed[n++] = UPDATE_TEXT[i].label;
    }
    if (was->disability_grade != now->disability_grade)
        changed[n++] = "残疾等级";
    if (was->party_member != now->party_member)
        changed[n++] = "党员";
    if (!same_tags(was, now))
        changed[n++] = "标签";
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + len, outsz - len, i ? "、%s" : "修改：%s", changed[i]);
        if (w < 0 || (size_t)w >= outsz - len)
            break;
        len += (size_t)w;
    }
}

int resident_update(db_conn *db, const actor *who, int64_t id, int64_t if_version, const resident_change *c,
                    resident *before, ms_err *err)
{
    char now[20];
    resident fresh, *cur = before ? before : &fresh;
    resident_input merged, *in = &merged;
    if (load_for_write(db, id, if_version, cur, err) != 0)
        return -1;
    overlay(cur, c, in);
    /* 高龄 follows the birth date (frozen at death): a new set of tags may
     * neither add it under 70 nor drop it at 70 or over */
    int age = derived_age(cur->birth_date, strcmp(cur->status, "deceased") == 0 ? cur->status_date : NULL, 0);
    if ((c->set & RC_TAGS) && derived_tags_check(in, age, 1, err) != 0)
        return -1;
    derived_tags_apply(in, age);
    if (resident_input_check(in, 0, err) != 0)
        return -1;
    resident_input was;
    char note[256];
    resident_to_input(cur, &was);
    update_note(&was, in, note, sizeof note);
    if (resident_head_rule(db, cur->household_id, cur->id, cur->relation, in->relation, err) != 0)
        return -1;
    char phone_enc[FC_STORED_MAX], phone_bidx[FC_BLIND_HEX], dis[40], dis_enc[FC_STORED_MAX];
    disability_join(in->disability_type, in->disability_grade, dis);
    if (fc_encrypt(COL_PHONE, cur->id, in->phone, phone_enc) != 0 ||
        fc_encrypt(COL_DISABILITY, cur->id, dis, dis_enc) != 0)
        return err_db(err);
    fc_blind(FC_PHONE, in->phone, 0, phone_bidx);
    int rc = db_exec_args(db, SQL_UPDATE, DB_TEXT(in->name), DB_TEXT(in->relation ? in->relation : "其他"),
                          DB_OPT_TEXT(phone_bidx), DB_OPT_TEXT(phone_enc), DB_TEXT(in->hukou_type),
                          DB_TEXT(in->residence_status ? in->residence_status : "户籍"), DB_TEXT(in->employment),
                          DB_OPT_TEXT(dis_enc), DB_INT(in->party_member),
                          DB_TEXT(in->notes), DB_TEXT(db_now(now)), DB_INT(cur->id));
    /* the search terms come from the name, the phone and the ID number
     * (which an update does not change): rewritten when one is given */
    static __thread resident_keys k;   /* 11 KB: off the stack of the server's threads */
    if (rc != DB_DONE || write_tags(db, cur->id, in) != 0 ||
        ((c->set & (RC_NAME | RC_PHONE)) && (resident_keys_make(in->name, cur->id_number, in->phone, &k) != 0 ||
                                            resident_keys_store(db, cur->id, cur->grid_id, &k) != 0)) ||
        log_event(db, who,
                  &(registry_event){.entity_id = cur->id, .kind = "updated", .note = note[0] ? note : NULL}) != 0)
        return err_db(err);
    return 0;
}

int resident_move(db_conn *db, const actor *who, int64_t id, int64_t if_version, int64_t to_household,
                  const char *relation, resident *before, ms_err *err)
{
    household to;
    char now[20];
    resident fresh, *cur = before ? before : &fresh;
    if (load_for_write(db, id, if_version, cur, err) != 0)
        return -1;
    if (relation && !str_in_set(relation, resident_relation_values))
        return err_set(err, ERR_INVALID, "relation", "与户主关系不在可选值内");
    if (strcmp(cur->status, "active") != 0)
        return err_set(err, ERR_INVALID, NULL, "只有在册居民可以迁移");
    int rc = household_get(db, to_household, &to);
    if (rc < 0)
        return err_db(err);
    if (rc > 0)
        return err_set(err, ERR_NOT_FOUND, "household_id", "户不存在或不在您的管辖范围内");
    if (to.id == cur->household_id || strcmp(to.status, "active") != 0)
        return err_set(err, ERR_INVALID, "household_id", "%s", to.id == cur->household_id ? "已在该户中" : "目标户已注销");
    if (resident_head_rule(db, to.id, cur->id, NULL, relation, err) != 0)
        return -1;
    db_now(now);
    if (db_exec_args(db, SQL_MOVE, DB_INT(to.id), DB_INT(to.grid_id), DB_TEXT(relation ? relation : "其他"),
                     DB_TEXT(now), DB_INT(cur->id)) != DB_DONE ||
        db_exec_args(db, SQL_CLEAR_HEAD, DB_TEXT(now), DB_INT(cur->household_id), DB_INT(cur->id)) != DB_DONE ||
        log_event(db, who, &(registry_event){.entity_id = cur->id, .kind = "moved", .from_grid = cur->grid_id,
                                             .to_grid = to.grid_id, .from_household = cur->household_id,
                                             .to_household = to.id}) != 0)
        return err_db(err);
    return 0;
}

int resident_move_in(db_conn *db, const actor *who, int64_t id, int64_t to_household, const char *relation,
                     resident *before, ms_err *err)
{
    char now[20];
    resident fresh, *cur = before ? before : &fresh;
    if (load_for_write(db, id, 0, cur, err) != 0)
        return -1;
    if (strcmp(cur->status, "deceased") == 0)
        return err_set(err, ERR_INVALID, NULL, "该居民已故，不能迁入");
    if (is_head(cur->relation) && strcmp(cur->status, "active") == 0 &&
        db_exists(db, SQL_OTHER_ACTIVE_MEMBERS, DB_INT(cur->household_id), DB_INT(cur->id)))
        return err_set(err, ERR_INVALID, NULL, "该居民是原户户主，户内还有其他在册成员：请先为原户指定新户主，再同意迁入");
    if (strcmp(cur->status, "moved_out") == 0) {   /* back in the registry, then moved as any active resident */
        if (db_exec_args(db, SQL_REACTIVATE, DB_TEXT(db_now(now)), DB_INT(cur->id)) != DB_DONE ||
            log_event(db, who, &(registry_event){.entity_id = cur->id, .kind = "reopened", .note = "迁入申请同意"}) != 0)
            return err_db(err);
    }
    resident moved;
    return resident_move(db, who, cur->id, 0, to_household, relation, &moved, err);
}

int resident_set_status(db_conn *db, const actor *who, int64_t id, int64_t if_version, const char *status,
                        const char *date, const char *note, resident *before, ms_err *err)
{
    static const char *const STATUSES[] = {"active", "deceased", "moved_out", NULL};
    char now[20], today[11], beijing[11];
    resident fresh, *cur = before ? before : &fresh;
    if (load_for_write(db, id, if_version, cur, err) != 0)
        return -1;
    if (!str_in_set(status, STATUSES))
        return err_set(err, ERR_INVALID, "status", "status 只能是 active（在册）、deceased（已故）或 moved_out（迁出）");
    if (strcmp(cur->status, status) == 0)
        return err_set(err, ERR_INVALID, "status", "状态未变化");
    snprintf(today, sizeof today, "%.10s", db_now(now));
    int reopen = strcmp(status, "active") == 0;
    if (!reopen) {
        /* the date a person died or left: not after today (Beijing
         * time, the street's day), not before the birth */
        cal_local_date(now, beijing);
        if (!date)
            date = beijing;
        if (strcmp(date, beijing) > 0)
            return err_set(err, ERR_INVALID, "date", "%s日期 %s 晚于今天（%s）",
                           strcmp(status, "deceased") == 0 ? "死亡" : "迁出", date, beijing);
        if (strcmp(date, cur->birth_date) < 0)
            return err_set(err, ERR_INVALID, "date", "%s日期 %s 早于出生日期（%s）",
                           strcmp(status, "deceased") == 0 ? "死亡" : "迁出", date, cur->birth_date);
    }
    if (reopen && !db_exists(db, SQL_HOUSEHOLD_ACTIVE, DB_INT(cur->household_id)))
        return err_set(err, ERR_INVALID, "status", "该居民所在户已注销，不能恢复为在册；请将其登记到现有的户");
    /* a 户主 who leaves stops being head; one who comes back must be the only 户主 */
    if (resident_head_rule(db, cur->household_id, cur->id, reopen ? NULL : cur->relation,
                           reopen ? cur->relation : NULL, err) != 0)
        return -1;
    if (db_exec_args(db, SQL_SET_STATUS, DB_TEXT(status), reopen ? DB_NULL : DB_TEXT(date ? date : today),
                     DB_TEXT(now), DB_INT(cur->id)) != DB_DONE ||
        log_event(db, who, &(registry_event){.entity_id = cur->id, .kind = reopen ? "reopened" : status,
                                             .event_date = date ? date : today, .note = note}) != 0)
        return err_db(err);
    /* died before 70: not 高龄 (the age stops at death; the daily
     * refresh keeps the tag of the living only) */
    if (strcmp(status, "deceased") == 0 && derived_age(cur->birth_date, date, 0) < DERIVED_ELDERLY_AGE &&
        db_exec_args(db, SQL_DROP_ELDERLY_TAG, DB_INT(cur->id)) != DB_DONE)
        return err_db(err);
    /* the stop flag the assistance and pairing modules act on */
    if (!reopen && db_exec_args(db, SQL_ADD_FLAG, DB_INT(cur->id), DB_TEXT(status), DB_TEXT(date), DB_TEXT(now),
                                DB_ID(who ? who->id : 0)) != DB_DONE)
        return err_db(err);
    return 0;
}

int resident_last_flag(db_conn *db, int64_t resident_id, resident_flag *out)
{
    memset(out, 0, sizeof *out);
    db_stmt *s = db_query(db, SQL_LAST_FLAG, DB_INT(resident_id));
    int rc = db_step(s);
    if (rc == DB_ROW) {
        out->id = db_col_int(s, 0);
        db_col_copy(s, 1, out->event, sizeof out->event);
        db_col_copy(s, 2, out->event_date, sizeof out->event_date);
        db_col_copy(s, 3, out->created_at, sizeof out->created_at);
        db_col_copy(s, 4, out->handled_at, sizeof out->handled_at);
    }
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* ---- encryption at rest ---------------------------------------------------- */

int resident_encrypt_values(int64_t id, const char *id_number, const char *phone, const char *dis_type,
                            int dis_grade, resident_cipher *out)
{
    char dis[40];
    disability_join(dis_type, dis_grade, dis);
    if (fc_encrypt(COL_ID_NUMBER, id, id_number, out->id_number_enc) != 0 ||
        fc_blind(FC_ID_NUMBER, id_number, 0, out->id_number_bidx) != 0 ||
        fc_encrypt(COL_PHONE, id, phone, out->phone_enc) != 0 || fc_encrypt(COL_DISABILITY, id, dis, out->disability_enc) != 0)
        return -1;
    fc_blind(FC_PHONE, phone, 0, out->phone_bidx);
    return 0;
}

/* One row of SQL_CRYPT_NEXT re-encrypted under the newest generation. */
static int crypt_row(db_conn *db, db_stmt *s)
{
    resident r = {.id = db_col_int(s, 0)};
    int plain = db_col_is_null(s, 5), rc = 0;
    if (plain) {   /* migrated from before 0008: the renamed columns hold the values */
        db_col_copy(s, 1, r.id_number, sizeof r.id_number);
        db_col_copy(s, 2, r.phone, sizeof r.phone);
        db_col_copy(s, 3, r.disability_type, sizeof r.disability_type);
        r.disability_grade = (int)db_col_int(s, 4);
    } else {
        char dis[40];
        rc |= fc_decrypt(COL_ID_NUMBER, r.id, db_col_text(s, 5), r.id_number, sizeof r.id_number);
        rc |= fc_decrypt(COL_PHONE, r.id, db_col_text(s, 6), r.phone, sizeof r.phone);
        rc |= fc_decrypt(COL_DISABILITY, r.id, db_col_text(s, 7), dis, sizeof dis);
        disability_split(dis, &r);
    }
    resident_cipher c;
    if (rc != 0 || resident_encrypt_values(r.id, r.id_number, r.phone, r.disability_type, r.disability_grade, &c) != 0) {
        fprintf(stderr, "minsheng: 居民 %lld 的加密字段无法解密，未能重新加密\n", (long long)r.id);
        rc = -1;
    } else {
        /* the tails' terms follow the blind indexes to the newest generation */
        static __thread resident_keys k;
        db_col_copy(s, 8, r.name, sizeof r.name);
        rc = db_exec_args(db, SQL_CRYPT_SET, DB_TEXT(c.id_number_bidx), DB_TEXT(c.id_number_enc),
                          DB_OPT_TEXT(c.phone_bidx), DB_OPT_TEXT(c.phone_enc), DB_OPT_TEXT(c.disability_enc),
                          DB_INT(r.id)) == DB_DONE &&
             resident_keys_make(r.name, r.id_number, r.phone, &k) == 0 &&
             resident_keys_store(db, r.id, db_col_int(s, 9), &k) == 0 ? 0 : -1;
        sodium_memzero(&k, sizeof k);
    }
    sodium_memzero(&r, sizeof r);
    sodium_memzero(&c, sizeof c);
    return rc;
}

int resident_crypt_pass(db_conn *db, int64_t *cursor, int limit)
{
    char like[16];
    fc_current_like(like);
    db_stmt *s = db_query(db, SQL_CRYPT_NEXT, DB_INT(*cursor), DB_TEXT(like), DB_TEXT(like), DB_TEXT(like), DB_INT(limit));
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (crypt_row(db, s) != 0)
            break;
        *cursor = db_col_int(s, 0);
        n++;
    }
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}

int resident_crypt_status(db_conn *db, crypt_status *out)
{
    char like[16];
    db_stmt *s = db_query(db, SQL_CRYPT_STATUS, DB_TEXT(fc_current_like(like)), DB_TEXT(like));
    int rc = db_step(s);
    if (rc == DB_ROW)
        *out = (crypt_status){db_col_int(s, 0), db_col_int(s, 1), db_col_int(s, 2)};
    db_finalize(s);
    return rc == DB_ROW ? 0 : -1;
}
