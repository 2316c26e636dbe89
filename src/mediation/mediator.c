/* mediator.c — stations and the mediator directory (see mediator.h):
 * the SQL of mediation_station and mediator. */
#include "mediation/mediator.h"
#include "registry/org.h"
#include "util/validate.h"

#include <stdio.h>
#include <string.h>

const med_term MED_DISPUTE_TYPES[] = {
    {"neighbour", "邻里纠纷"},      {"family", "婚姻家庭纠纷"},   {"property", "物业纠纷"},
    {"housing", "房屋宅基地纠纷"},  {"damages", "损害赔偿纠纷"},  {"contract", "合同纠纷"},
    {"labour", "劳动争议"},         {"traffic", "交通事故纠纷"},  {"other", "其他纠纷"},
    {NULL, NULL}};

const med_term MED_MEDIATOR_KINDS[] = {
    {"lawyer", "律师"},
    {"judicial_volunteer", "司法志愿者"},
    {"retired_official", "退休干部"},
    {"elder", "乡贤/德高望重居民"},
    {"other", "其他"},
    {NULL, NULL}};

static const char *const SQL_STATION_INSERT =
    "INSERT INTO mediation_station (org_unit_id, name, head_name, deputy_name, clerk_name, address, created_at,"
    " updated_at) VALUES (?,?,?,?,?,?,?,?)";
static const char *const SQL_STATION_SAVE =
    "UPDATE mediation_station SET org_unit_id = ?, name = ?, head_name = ?, deputy_name = ?, clerk_name = ?,"
    " address = ?, version = version + 1, updated_at = ? WHERE id = ?";
static const char *const SQL_MEDIATOR_INSERT =
    "INSERT INTO mediator (station_id, name, kind, specialties, created_at, updated_at) VALUES (?,?,?,?,?,?)";
static const char *const SQL_MEDIATOR_SAVE =
    "UPDATE mediator SET station_id = ?, name = ?, kind = ?, specialties = ?, phone_enc = ?, active = ?,"
    " version = version + 1, updated_at = ? WHERE id = ?";

#define COL_PHONE "mediator.phone"
/* No plaintext column ever existed: every value is written encrypted. */
const fc_column_sql med_mediator_phone_crypt = {
    .column = COL_PHONE,
    .next = "SELECT id, NULL, phone_enc FROM mediator WHERE id > ? AND phone_enc NOT LIKE ? ORDER BY id LIMIT ?",
    .set = "UPDATE mediator SET phone_enc = ? WHERE id = ?",
    .status = "SELECT 0, COUNT(CASE WHEN phone_enc NOT LIKE ? THEN 1 END), COUNT(CASE WHEN phone_enc LIKE ? THEN 1 END)"
              " FROM mediator",
};

const char *med_term_label(const med_term *terms, const char *code)
{
    for (size_t i = 0; code && terms[i].code; i++)
        if (strcmp(terms[i].code, code) == 0)
            return terms[i].label;
    return NULL;
}

void med_street_of(const char *path, char out[256])
{
    const char *p = path && path[0] == '/' ? strchr(path + 1, '/') : NULL;
    snprintf(out, 256, "%.*s", p ? (int)(p - path + 1) : 1, p ? path : "/");
}

int med_directory_visible(const actor *who, const char *path)
{
    char street[256];
    med_street_of(path, street);
    return actor_scope_contains(who, street) || strncmp(who->scope_path, street, strlen(street)) == 0;
}

static void copy(char *dst, size_t sz, const char *src)
{
    snprintf(dst, sz, "%s", src ? src : "");
}

/* A short free text (a station's name or address): 0, or -1 with ERR_INVALID on field. */
static int text_ok(const char *s, long max, int required, const char *field, const char *what, ms_err *err)
{
    long n = s ? utf8_length(s) : 0;
    if (required && (!s || n == 0 || strspn(s, " ") == strlen(s)))
        return err_set(err, ERR_INVALID, field, "请填写%s", what);
    if (n < 0 || n > max || !text_is_clean(s, 0))
        return err_set(err, ERR_INVALID, field, "%s不能超过%ld个字，且不能含控制字符", what, max);
    return 0;
}

/* A person's name into out (normalised): 0, or -1 with ERR_INVALID.
 * optional: "" is allowed. */
static int name_ok(const char *in, int optional, const char *field, const char *what, char out[208], ms_err *err)
{
    out[0] = '\0';
    if (!in || !*in) {
        if (optional)
            return 0;
        return err_set(err, ERR_INVALID, field, "请填写%s", what);
    }
    if (strlen(in) > 200)
        return err_set(err, ERR_INVALID, field, "%s过长", what);
    person_name_normalize(in, out, 208);
    const char *why = person_name_problem(out);
    if (why)
        return err_set(err, ERR_INVALID, field, "%s：%s", what, why);
    return 0;
}

/* ---- stations ------------------------------------------------------------------ */

void med_station_from_row(db_stmt *s, med_station *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_int(s, 0);
    out->org_unit_id = db_col_int(s, 1);
    db_col_copy(s, 2, out->org_kind, sizeof out->org_kind);
    db_col_copy(s, 3, out->org_name, sizeof out->org_name);
    db_col_copy(s, 4, out->org_path, sizeof out->org_path);
    db_col_copy(s, 5, out->name, sizeof out->name);
    db_col_copy(s, 6, out->head_name, sizeof out->head_name);
    db_col_copy(s, 7, out->deputy_name, sizeof out->deputy_name);
    db_col_copy(s, 8, out->clerk_name, sizeof out->clerk_name);
    db_col_copy(s, 9, out->address, sizeof out->address);
    out->active_mediators = db_col_int(s, 10);
    out->version = db_col_int(s, 11);
    db_col_copy(s, 12, out->created_at, sizeof out->created_at);
    db_col_copy(s, 13, out->updated_at, sizeof out->updated_at);
}

int med_station_get(db_conn *db, int64_t id, med_station *out)
{
    db_stmt *s = db_query(db, MED_STATION_SELECT " WHERE s.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        med_station_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* Checks station st (in->fields laid over it) and resolves its unit. */
static int station_check(db_conn *db, const actor *who, const med_station_in *in, med_station *st, ms_err *err)
{
    char head[208], deputy[208], clerk[208];
    if (in->org_unit_id) {
        org_unit u;
        int rc = org_get(db, in->org_unit_id, &u);
        if (rc < 0)
            return err_db(err);
        if (rc > 0 || !actor_scope_contains(who, u.path))
            return err_set(err, ERR_NOT_FOUND, "org_unit_id", "组织单元不存在或不在您的管辖范围内");
        if (strcmp(u.kind, "street") != 0 && strcmp(u.kind, "community") != 0)
            return err_set(err, ERR_INVALID, "org_unit_id", "调解站（室）只能设在街道或社区（%s是%s）", u.name,
                           org_kind_label(u.kind));
        st->org_unit_id = u.id;
        copy(st->org_path, sizeof st->org_path, u.path);
    }
    if (in->name)
        copy(st->name, sizeof st->name, in->name);
    if (in->address)
        copy(st->address, sizeof st->address, in->address);
    if (text_ok(st->name, MED_NAME_CHARS, 1, "name", "调解站（室）名称", err) != 0 ||
        text_ok(st->address, 100, 0, "address", "地址", err) != 0)
        return -1;
    if ((in->head_name && name_ok(in->head_name, 1, "head_name", "主任姓名", head, err) != 0) ||
        (in->deputy_name && name_ok(in->deputy_name, 1, "deputy_name", "副主任姓名", deputy, err) != 0) ||
        (in->clerk_name && name_ok(in->clerk_name, 1, "clerk_name", "记录员姓名", clerk, err) != 0))
        return -1;
    if (in->head_name)
        copy(st->head_name, sizeof st->head_name, head);
    if (in->deputy_name)
        copy(st->deputy_name, sizeof st->deputy_name, deputy);
    if (in->clerk_name)
        copy(st->clerk_name, sizeof st->clerk_name, clerk);
    return 0;
}

int64_t med_station_create(db_conn *db, const actor *who, const med_station_in *in, ms_err *err)
{
    med_station st = {0};
    char now[20];
    if (!in->org_unit_id)
        return err_set(err, ERR_INVALID, "org_unit_id", "请选择调解站（室）所在的街道或社区 org_unit_id");
    if (station_check(db, who, in, &st, err) != 0)
        return -1;
    db_now(now);
    if (db_exec_args(db, SQL_STATION_INSERT, DB_INT(st.org_unit_id), DB_TEXT(st.name), DB_TEXT(st.head_name),
                     DB_TEXT(st.deputy_name), DB_TEXT(st.clerk_name), DB_TEXT(st.address), DB_TEXT(now),
                     DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    return db_last_insert_id(db);
}

int med_station_update(db_conn *db, const actor *who, int64_t id, int64_t if_version, const med_station_in *in,
                       ms_err *err)
{
    med_station st;
    char now[20];
    int rc = med_station_get(db, id, &st);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !actor_scope_contains(who, st.org_path))
        return err_set(err, ERR_NOT_FOUND, NULL, "调解站（室）不存在或不在您的管辖范围内");
    if (err_check_version(err, "调解站（室）", st.version, if_version) != 0 || station_check(db, who, in, &st, err) != 0)
        return -1;
    if (db_exec_args(db, SQL_STATION_SAVE, DB_INT(st.org_unit_id), DB_TEXT(st.name), DB_TEXT(st.head_name),
                     DB_TEXT(st.deputy_name), DB_TEXT(st.clerk_name), DB_TEXT(st.address), DB_TEXT(db_now(now)),
                     DB_INT(id)) != DB_DONE)
        return err_db(err);
    return 0;
}

/* ---- mediators ----------------------------------------------------------------- */

void med_mediator_from_row(db_stmt *s, med_mediator *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_int(s, 0);
    out->station_id = db_col_int(s, 1);
    db_col_copy(s, 2, out->station_name, sizeof out->station_name);
    db_col_copy(s, 3, out->station_path, sizeof out->station_path);
    db_col_copy(s, 4, out->name, sizeof out->name);
    db_col_copy(s, 5, out->kind, sizeof out->kind);
    db_col_copy(s, 6, out->specialties, sizeof out->specialties);
    if (fc_decrypt(COL_PHONE, out->id, db_col_text(s, 7), out->phone, sizeof out->phone) != 0)
        fprintf(stderr, "minsheng: 调解员 %lld 的电话无法解密\n", (long long)out->id);
    out->active = (int)db_col_int(s, 8);
    out->version = db_col_int(s, 9);
    db_col_copy(s, 10, out->created_at, sizeof out->created_at);
    db_col_copy(s, 11, out->updated_at, sizeof out->updated_at);
}

int med_mediator_get(db_conn *db, int64_t id, med_mediator *out)
{
    db_stmt *s = db_query(db, MED_MEDIATOR_SELECT " WHERE m.id = ?", DB_INT(id));
    int rc = db_step(s);
    if (rc == DB_ROW)
        med_mediator_from_row(s, out);
    db_finalize(s);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* Specialties: known dispute type codes, comma-separated, no repeats, at
 * most MED_SPECIALTIES_MAX. */
static int specialties_ok(const char *list, ms_err *err)
{
    char buf[256], seen[256] = ",";
    int n = 0;
    if (strlen(list) >= sizeof buf)
        return err_set(err, ERR_INVALID, "specialties", "擅长领域过多");
    copy(buf, sizeof buf, list);
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        char key[40];
        if (!med_term_label(MED_DISPUTE_TYPES, p))
            return err_set(err, ERR_INVALID, "specialties", "擅长领域“%s”不是纠纷类型（neighbour、family、property、"
                                                            "housing、damages、contract、labour、traffic、other）", p);
        snprintf(key, sizeof key, ",%s,", p);
        if (strstr(seen, key))
            return err_set(err, ERR_INVALID, "specialties", "擅长领域“%s”重复", p);
        strncat(seen, key + 1, sizeof seen - strlen(seen) - 1);
        if (++n > MED_SPECIALTIES_MAX)
            return err_set(err, ERR_INVALID, "specialties", "擅长领域最多%d项", MED_SPECIALTIES_MAX);
    }
    return 0;
}

/* Checks mediator m (in's fields laid over it); the phone, normalised, into m->phone. */
static int mediator_check(db_conn *db, const actor *who, const med_mediator_in *in, med_mediator *m, ms_err *err)
{
    char name[208];
    if (in->station_id) {
        med_station st;
        int rc = med_station_get(db, in->station_id, &st);
        if (rc < 0)
            return err_db(err);
        if (rc > 0 || !med_directory_visible(who, st.org_path))
            return err_set(err, ERR_NOT_FOUND, "station_id", "调解站（室）不存在或不在您的管辖范围内");
        m->station_id = st.id;
        copy(m->station_path, sizeof m->station_path, st.org_path);
    }
    if (in->name) {
        if (name_ok(in->name, 0, "name", "调解员姓名", name, err) != 0)
            return -1;
        copy(m->name, sizeof m->name, name);
    }
    if (in->kind) {
        if (!med_term_label(MED_MEDIATOR_KINDS, in->kind))
            return err_set(err, ERR_INVALID, "kind", "调解员类别只能是 lawyer（律师）、judicial_volunteer（司法志愿者）、"
                                                     "retired_official（退休干部）、elder（乡贤/德高望重居民）或 other（其他）");
        copy(m->kind, sizeof m->kind, in->kind);
    }
    if (in->specialties) {
        if (specialties_ok(in->specialties, err) != 0)
            return -1;
        copy(m->specialties, sizeof m->specialties, in->specialties);
    }
    if (in->phone) {
        char norm[40] = "";
        if (*in->phone && !phone_normalize(in->phone, norm, sizeof norm))
            return err_set(err, ERR_INVALID, "phone", "电话号码格式不正确（手机11位，或带区号的固定电话）");
        copy(m->phone, sizeof m->phone, norm);
    }
    if (!m->name[0])
        return err_set(err, ERR_INVALID, "name", "请填写调解员姓名");
    if (!m->kind[0])
        return err_set(err, ERR_INVALID, "kind", "请选择调解员类别 kind");
    return 0;
}

/* Writes m's fields (the phone encrypted for its row). */
static int mediator_save(db_conn *db, const med_mediator *m, ms_err *err)
{
    char enc[FC_STORED_MAX], now[20];
    if (fc_encrypt(COL_PHONE, m->id, m->phone, enc) != 0)
        return err_set(err, ERR_DB, NULL, "无法加密调解员电话（未加载密钥）");
    if (db_exec_args(db, SQL_MEDIATOR_SAVE, DB_INT(m->station_id), DB_TEXT(m->name), DB_TEXT(m->kind),
                     DB_TEXT(m->specialties), DB_OPT_TEXT(enc), DB_INT(m->active), DB_TEXT(db_now(now)),
                     DB_INT(m->id)) != DB_DONE)
        return err_db(err);
    return 0;
}

int64_t med_mediator_create(db_conn *db, const actor *who, const med_mediator_in *in, ms_err *err)
{
    med_mediator m = {.active = 1};
    char now[20];
    if (!in->station_id)
        return err_set(err, ERR_INVALID, "station_id", "请选择调解员所属的调解站（室）station_id");
    if (mediator_check(db, who, in, &m, err) != 0)
        return -1;
    db_now(now);
    if (db_exec_args(db, SQL_MEDIATOR_INSERT, DB_INT(m.station_id), DB_TEXT(m.name), DB_TEXT(m.kind),
                     DB_TEXT(m.specialties), DB_TEXT(now), DB_TEXT(now)) != DB_DONE)
        return err_db(err);
    m.id = db_last_insert_id(db);
    /* the phone's associated data is the row id: written once the row has one */
    char enc[FC_STORED_MAX];
    if (fc_encrypt(COL_PHONE, m.id, m.phone, enc) != 0)
        return err_set(err, ERR_DB, NULL, "无法加密调解员电话（未加载密钥）");
    if (enc[0] && db_exec_args(db, med_mediator_phone_crypt.set, DB_TEXT(enc), DB_INT(m.id)) != DB_DONE)
        return err_db(err);
    return m.id;
}

/* Loads mediator id for a write by who: 0, or -1 (ERR_NOT_FOUND, ERR_STALE, ERR_DB). */
static int mediator_for_write(db_conn *db, const actor *who, int64_t id, int64_t if_version, med_mediator *m,
                              ms_err *err)
{
    int rc = med_mediator_get(db, id, m);
    if (rc < 0)
        return err_db(err);
    if (rc > 0 || !med_directory_visible(who, m->station_path))
        return err_set(err, ERR_NOT_FOUND, NULL, "调解员不存在或不在您的管辖范围内");
    return err_check_version(err, "调解员", m->version, if_version);
}

int med_mediator_update(db_conn *db, const actor *who, int64_t id, int64_t if_version, const med_mediator_in *in,
                        ms_err *err)
{
    med_mediator m;
    if (mediator_for_write(db, who, id, if_version, &m, err) != 0 || mediator_check(db, who, in, &m, err) != 0)
        return -1;
    return mediator_save(db, &m, err);
}

int med_mediator_deactivate(db_conn *db, const actor *who, int64_t id, int64_t if_version, ms_err *err)
{
    med_mediator m;
    if (mediator_for_write(db, who, id, if_version, &m, err) != 0)
        return -1;
    if (!m.active)
        return err_set(err, ERR_CONFLICT, NULL, "调解员%s已停用", m.name);
    m.active = 0;
    return mediator_save(db, &m, err);
}
