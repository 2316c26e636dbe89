/* registry.c — resident/household input rules and the bulk insert
 * writer (see registry.h). Owns the columns a new household, resident
 * and resident_tag row is inserted with (through db_copy: COPY on
 * PostgreSQL for a bulk writer); history rows go through history.h. */
#include "registry/registry.h"
#include "registry/derived.h"
#include "registry/history.h"
#include "registry/household.h"
#include "registry/resident.h"
#include "registry/resident_search.h"
#include "util/idcard.h"
#include "util/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const resident_relation_values[] = {
    "户主", "配偶", "子", "女", "子女", "父亲", "母亲", "父母", "岳父母", "公婆", "祖父母",
    "孙子", "孙女", "孙子女", "外孙子女", "兄弟姐妹", "儿媳", "女婿", "其他", NULL};
const char *const resident_hukou_values[] = {"城镇", "农村", "其他", NULL};
const char *const resident_residence_values[] = {"户籍", "常住", "流动", NULL};
const char *const resident_employment_values[] = {
    "在业", "失业", "退休", "在校学生", "学龄前", "无业", "灵活就业", "其他", NULL};
const char *const resident_disability_types[] = {
    "视力", "听力", "言语", "肢体", "智力", "精神", "多重", NULL};
const char *const resident_tag_codes[] = {
    "elderly", "disabled", "dibao", "tekun", "left_behind_elder", "left_behind_child",
    "released_prisoner", "veteran", "living_alone", "hardship_elder", "hardship_child", NULL};
const char *const resident_tag_labels[] = {
    "高龄", "残疾", "低保", "特困", "留守老人", "留守儿童",
    "刑释解教", "退役军人", "独居", "经济困难老人", "困境儿童", NULL};

/* Ids are chosen before the insert (the next after the largest, as
 * SQLite would, inside the caller's write transaction) because the
 * ciphertexts are bound to them (core/fieldcrypt.h). */
static const char *const SQL_NEXT_HOUSEHOLD_ID = "SELECT COALESCE(MAX(id), 0) + 1 FROM household";
static const char *const SQL_NEXT_RESIDENT_ID = "SELECT COALESCE(MAX(id), 0) + 1 FROM resident";
static const char *const HOUSEHOLD_COLUMNS =
    "id, code, grid_id, building_id, address, registered_address, actual_address, phone_enc, notes, created_at,"
    " updated_at, import_batch_id, head_resident_id";
static const char *const RESIDENT_COLUMNS =
    "id, id_number_bidx, id_number_enc, name, sex, birth_date, household_id, grid_id, relation, phone_bidx,"
    " phone_enc, hukou_type, residence_status, employment, disability_enc, party_member, notes, created_at,"
    " updated_at, import_batch_id, name_py, id_kind";
static const char *const TAG_COLUMNS = "resident_id, tag";
static const char *const SEARCH_KEY_COLUMNS = "grid_id, term, resident_id, status, name_py, import_batch_id";
static const char *const SQL_SET_HEAD =
    "UPDATE household SET head_resident_id = ?, version = version + 1 WHERE id = ?";
/* Undoing an import batch: the highest id of its next `limit` rows, then
 * everything of the batch up to that id (indexes (import_batch_id, id)). */
static const char *const SQL_BATCH_RESIDENTS_UPTO =
    "SELECT MAX(id) FROM (SELECT id FROM resident WHERE import_batch_id = ? ORDER BY id LIMIT ?) AS upto";
static const char *const SQL_BATCH_HOUSEHOLDS_UPTO =
    "SELECT MAX(id) FROM (SELECT id FROM household WHERE import_batch_id = ? ORDER BY id LIMIT ?) AS upto";
static const char *const SQL_DELETE_BATCH_TAGS =
    "DELETE FROM resident_tag WHERE resident_id IN (SELECT id FROM resident WHERE import_batch_id = ? AND id <= ?)";
static const char *const SQL_CLEAR_BATCH_HEADS =
    "UPDATE household SET head_resident_id = NULL, version = version + 1 WHERE id IN"
    " (SELECT household_id FROM resident WHERE import_batch_id = ? AND id <= ? AND relation = '户主')"
    " AND head_resident_id IN (SELECT id FROM resident WHERE import_batch_id = ? AND id <= ?)";
/* What would stop a committed batch from being deleted whole: its rows
 * changed after the commit, residents of other batches (or none) in its
 * households, and history of others naming its households. */
static const char *const SQL_BATCH_BLOCKERS =
    "SELECT (SELECT COUNT(*) FROM resident WHERE import_batch_id = ? AND updated_at > ?)"
    " + (SELECT COUNT(*) FROM household WHERE import_batch_id = ? AND updated_at > ?)"
    " + (SELECT COUNT(*) FROM resident r JOIN household h ON h.id = r.household_id"
    "    WHERE h.import_batch_id = ? AND r.import_batch_id IS DISTINCT FROM h.import_batch_id)"
    " + (SELECT COUNT(*) FROM registry_event e JOIN household h"
    "    ON h.id = e.from_household_id OR h.id = e.to_household_id"
    "    WHERE h.import_batch_id = ? AND NOT (e.entity = 'resident' AND e.entity_id IN"
    "     (SELECT id FROM resident WHERE import_batch_id = h.import_batch_id)))";
static const char *const SQL_DELETE_BATCH_RESIDENTS =
    "DELETE FROM resident WHERE import_batch_id = ? AND id <= ?";
static const char *const SQL_DELETE_BATCH_HOUSEHOLDS =
    "DELETE FROM household WHERE import_batch_id = ? AND id <= ?";

const char *resident_tag_code(const char *code_or_label)
{
    if (!code_or_label)
        return NULL;
    for (size_t i = 0; resident_tag_codes[i]; i++)
        if (strcmp(resident_tag_codes[i], code_or_label) == 0 ||
            strcmp(resident_tag_labels[i], code_or_label) == 0)
            return resident_tag_codes[i];
    return NULL;
}

static int fail(ms_err *err, const char *field, const char *msg)
{
    return err_set(err, ERR_INVALID, field, "%s", msg);
}

static int optional_in(const char *v, const char *const *set)
{
    return v == NULL || str_in_set(v, set);
}

static int text_ok(const char *v, long max_chars)
{
    if (!v)
        return 1;
    long n = utf8_length(v);
    return n >= 0 && n <= max_chars;
}

/* Text that will be shown must read as it is stored: no control
 * characters (tab and line breaks only where multiline), no invisible
 * or bidirectional format characters (validate.h). */
static int clean_text_or_fail(ms_err *fe, const char *field, const char *label, const char *v, int multiline)
{
    if (text_is_clean(v, multiline))
        return 0;
    return err_set(fe, ERR_INVALID, field, "%s不能含控制字符或不可见的格式字符（零宽字符、文字方向控制符等）", label);
}

int resident_input_check(const resident_input *r, int today_ymd, ms_err *fe)
{
    idcard_info info;
    idcard_status st = idcard_validate(r->id_number ? r->id_number : "", today_ymd, &info);
    if (st != IDCARD_OK)
        return fail(fe, "id_number", idcard_status_message(st));
    const char *name_problem = person_name_problem(r->name);
    if (name_problem)
        return fail(fe, "name", name_problem);
    if (!optional_in(r->relation, resident_relation_values))
        return fail(fe, "relation", "与户主关系不在可选值内（户主、配偶、子、女、父亲、母亲……其他）");
    if (r->phone && !phone_is_valid(r->phone))
        return fail(fe, "phone", "联系电话格式不正确（手机11位，或区号-号码）");
    if (!optional_in(r->hukou_type, resident_hukou_values))
        return fail(fe, "hukou_type", "户籍类型只能是 城镇、农村 或 其他");
    if (!optional_in(r->residence_status, resident_residence_values))
        return fail(fe, "residence_status", "居住状态只能是 户籍、常住 或 流动");
    if (!optional_in(r->employment, resident_employment_values))
        return fail(fe, "employment", "就业状态不在可选值内（在业、失业、退休、在校学生、学龄前、无业、灵活就业、其他）");
    if (!optional_in(r->disability_type, resident_disability_types))
        return fail(fe, "disability_type", "残疾类别只能是 视力、听力、言语、肢体、智力、精神 或 多重");
    if (r->disability_grade < 0 || r->disability_grade > 4)
        return fail(fe, "disability_grade", "残疾等级只能是1到4级");
    if ((r->disability_type != NULL) != (r->disability_grade != 0))
        return fail(fe, r->disability_type ? "disability_grade" : "disability_type",
                    "残疾类别和残疾等级须同时填写");
    if (r->party_member != 0 && r->party_member != 1)
        return fail(fe, "party_member", "是否党员只能是 是 或 否");
    if (!text_ok(r->notes, 500))
        return fail(fe, "notes", "备注不能超过500字");
    if (clean_text_or_fail(fe, "notes", "备注", r->notes, 1) != 0)
        return -1;
    if (r->ntags > REGISTRY_MAX_TAGS)
        return fail(fe, "tags", "标签过多");
    for (size_t i = 0; i < r->ntags; i++)
        if (!r->tags[i] || !resident_tag_code(r->tags[i]))
            return fail(fe, "tags", "未知的人员标签");
    return derived_tags_check(r, derived_age(info.birth_date, NULL, today_ymd), 0, fe);
}

int household_input_check(const household_input *h, ms_err *fe)
{
    /* NULL: the system issues the number (household_create) */
    if (h->code && (!*h->code || !text_ok(h->code, 40)))
        return fail(fe, "code", "户编号不能为空，且不超过40个字符");
    if (h->grid_id <= 0)
        return fail(fe, "grid_id", "必须指定所属网格");
    if (!h->address || !*h->address || !text_ok(h->address, 200))
        return fail(fe, "address", "地址不能为空，且不超过200字");
    if (!text_ok(h->registered_address, 200))
        return fail(fe, "registered_address", "户籍地址不能超过200字");
    if (!text_ok(h->actual_address, 200))
        return fail(fe, "actual_address", "实际居住地址不能超过200字");
    if (h->phone && !phone_is_valid(h->phone))
        return fail(fe, "phone", "联系电话格式不正确（手机11位，或区号-号码）");
    if (!text_ok(h->notes, 500))
        return fail(fe, "notes", "备注不能超过500字");
    if (clean_text_or_fail(fe, "code", "户编号", h->code, 0) != 0 ||
        clean_text_or_fail(fe, "address", "地址", h->address, 0) != 0 ||
        clean_text_or_fail(fe, "registered_address", "户籍地址", h->registered_address, 0) != 0 ||
        clean_text_or_fail(fe, "actual_address", "实际居住地址", h->actual_address, 0) != 0 ||
        clean_text_or_fail(fe, "notes", "备注", h->notes, 1) != 0)
        return -1;
    return 0;
}

/* ---- writer ---------------------------------------------------------- */

struct registry_writer {
    db_conn *db;
    db_copy *household, *resident, *tag, *event, *search;   /* flushed in this order (foreign keys) */
    db_stmt *head, *next_household, *next_resident;
    int64_t batch_id;
    int keep_ids;                          /* registry_writer_begin_tx: count on from these */
    int64_t household_id, resident_id;     /* the next free ids, 0 = to be read */
};

static registry_writer *writer_open(db_conn *db, int bulk)
{
    registry_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->db = db;
    w->household = db_copy_open(db, "household", HOUSEHOLD_COLUMNS, bulk);
    w->resident = db_copy_open(db, "resident", RESIDENT_COLUMNS, bulk);
    w->tag = db_copy_open(db, "resident_tag", TAG_COLUMNS, bulk);
    w->event = history_copy_open(db, bulk);
    w->search = db_copy_open(db, "resident_search_key", SEARCH_KEY_COLUMNS, bulk);
    w->head = db_prepare(db, SQL_SET_HEAD);
    w->next_household = db_prepare(db, SQL_NEXT_HOUSEHOLD_ID);
    w->next_resident = db_prepare(db, SQL_NEXT_RESIDENT_ID);
    return w;
}

registry_writer *registry_writer_open(db_conn *db)
{
    return writer_open(db, 0);
}

registry_writer *registry_writer_open_bulk(db_conn *db)
{
    return writer_open(db, 1);
}

int registry_writer_flush(registry_writer *w)
{
    db_copy *order[] = {w->household, w->resident, w->tag, w->event, w->search};
    int rc = DB_DONE;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int r = db_copy_flush(order[i]);   /* each flushed (or emptied) even after a failure */
        if (rc == DB_DONE)
            rc = r;
    }
    return rc;
}

void registry_writer_set_batch(registry_writer *w, int64_t batch_id)
{
    w->batch_id = batch_id;
}

void registry_writer_begin_tx(registry_writer *w)
{
    /* Rows kept from a transaction that rolled back are not written. */
    db_copy_discard(w->household);
    db_copy_discard(w->resident);
    db_copy_discard(w->tag);
    db_copy_discard(w->event);
    db_copy_discard(w->search);
    w->keep_ids = 1;
    w->household_id = w->resident_id = 0;
}

void registry_writer_close(registry_writer *w)
{
    if (!w)
        return;
    db_copy_close(w->household);
    db_copy_close(w->resident);
    db_copy_close(w->tag);
    db_copy_close(w->event);
    db_copy_close(w->search);
    db_finalize(w->head);
    db_finalize(w->next_household);
    db_finalize(w->next_resident);
    free(w);
}

static int run(db_stmt *s)
{
    int rc = db_step_done(s);
    db_reset(s);
    return rc;
}

/* The id the next row gets (read with s, or counted on from *next when
 * the writer keeps ids): 0 on error. */
static int64_t next_id(registry_writer *w, db_stmt *s, int64_t *next)
{
    if (w->keep_ids && *next > 0)
        return (*next)++;
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (w->keep_ids && id > 0)
        *next = id + 1;
    return id;
}

int registry_insert_household(registry_writer *w, const household_input *h, int64_t *id_out)
{
    return registry_insert_household_with_head(w, h, 0, id_out);
}

int64_t registry_writer_next_resident_id(registry_writer *w)
{
    int64_t id = next_id(w, w->next_resident, &w->resident_id);
    if (w->keep_ids && id > 0)
        w->resident_id = id;      /* only looked at: the next insert takes it */
    return id;
}

int registry_insert_household_with_head(registry_writer *w, const household_input *h, int64_t head_resident_id,
                                        int64_t *id_out)
{
    char now[20], phone_enc[FC_STORED_MAX];
    int64_t id = next_id(w, w->next_household, &w->household_id);
    if (id <= 0 || household_encrypt_phone(id, h->phone, phone_enc) != 0)
        return DB_ERROR;
    db_now(now);
    int rc = db_copy_row(w->household, DB_INT(id), DB_TEXT(h->code), DB_INT(h->grid_id), DB_ID(h->building_id),
                         DB_TEXT(h->address), DB_TEXT(h->registered_address), DB_TEXT(h->actual_address),
                         DB_OPT_TEXT(phone_enc), DB_TEXT(h->notes), DB_TEXT(now), DB_TEXT(now),
                         DB_ID(w->batch_id), DB_ID(head_resident_id));
    if (rc == DB_DONE && id_out)
        *id_out = id;
    return rc;
}

int registry_insert_resident(registry_writer *w, int64_t household_id, int64_t grid_id,
                             const resident_input *r, int64_t *id_out)
{
    char now[20];
    idcard_info info;
    resident_cipher c;
    static __thread resident_keys k;   /* 11 KB: off the stack of the server's threads */
    if (idcard_validate(r->id_number, 0, &info) != IDCARD_OK)
        return DB_ERROR;
    int64_t id = next_id(w, w->next_resident, &w->resident_id);
    if (id <= 0 || resident_encrypt_values(id, r->id_number, r->phone, r->disability_type, r->disability_grade, &c) != 0 ||
        resident_keys_make(r->name, r->id_number, r->phone, &k) != 0)
        return DB_ERROR;
    db_now(now);
    int rc = db_copy_row(w->resident, DB_INT(id), DB_TEXT(c.id_number_bidx), DB_TEXT(c.id_number_enc),
                         DB_TEXT(r->name), DB_TEXT(info.sex == 'M' ? "M" : "F"), DB_TEXT(info.birth_date),
                         DB_INT(household_id), DB_INT(grid_id), DB_TEXT(r->relation ? r->relation : "其他"),
                         DB_OPT_TEXT(c.phone_bidx), DB_OPT_TEXT(c.phone_enc), DB_TEXT(r->hukou_type),
                         DB_TEXT(r->residence_status ? r->residence_status : "户籍"), DB_TEXT(r->employment),
                         DB_OPT_TEXT(c.disability_enc), DB_INT(r->party_member ? 1 : 0), DB_TEXT(r->notes),
                         DB_TEXT(now), DB_TEXT(now), DB_ID(w->batch_id), DB_TEXT(k.name_py),
                         DB_TEXT(idcard_kind_code(info.kind)));
    if (rc != DB_DONE)
        return rc;
    for (size_t i = 0; i < k.n; i++)
        if ((rc = db_copy_row(w->search, DB_INT(grid_id), DB_TEXT(k.term[i]), DB_INT(id), DB_TEXT("active"),
                                  DB_TEXT(k.name_py), DB_ID(w->batch_id))) != DB_DONE)
            return rc;
    for (size_t i = 0; i < r->ntags; i++) {
        const char *code = resident_tag_code(r->tags[i]);
        int seen = 0;   /* a tag given twice is one row (the key is resident, tag) */
        for (size_t j = 0; j < i && !seen; j++)
            seen = resident_tag_code(r->tags[j]) == code;
        if (!seen && (rc = db_copy_row(w->tag, DB_INT(id), DB_TEXT(code))) != DB_DONE)
            return rc;
    }
    if (id_out)
        *id_out = id;
    return DB_DONE;
}

int registry_set_household_head(registry_writer *w, int64_t household_id, int64_t resident_id)
{
    db_bind_int(w->head, 1, resident_id);
    db_bind_int(w->head, 2, household_id);
    return run(w->head);
}

int registry_log_event(registry_writer *w, const char *entity, int64_t entity_id, const char *kind,
                       int64_t user_id, const char *note)
{
    registry_event e = {.entity = entity, .entity_id = entity_id, .kind = kind, .user_id = user_id, .note = note};
    return history_copy_add(w->event, &e);
}

int registry_delete_batch_rows(db_conn *db, int64_t batch_id, int limit, int64_t *residents, int64_t *households)
{
    int64_t upto = db_one_int(db, 0, SQL_BATCH_RESIDENTS_UPTO, DB_INT(batch_id), DB_INT(limit));
    if (upto > 0) {
        /* The head pointer of a household (the batch's own, or an older one
         * the import gave a head) is checked at commit: clear it first. */
        if (db_exec_args(db, SQL_DELETE_BATCH_TAGS, DB_INT(batch_id), DB_INT(upto)) != DB_DONE ||
            history_delete_of_batch(db, "resident", batch_id, upto) != 0 ||
            db_exec_args(db, SQL_CLEAR_BATCH_HEADS, DB_INT(batch_id), DB_INT(upto), DB_INT(batch_id), DB_INT(upto)) != DB_DONE ||
            db_exec_args(db, SQL_DELETE_BATCH_RESIDENTS, DB_INT(batch_id), DB_INT(upto)) != DB_DONE)
            return -1;
        int n = db_changes(db);
        *residents += n;
        return n;
    }
    upto = db_one_int(db, 0, SQL_BATCH_HOUSEHOLDS_UPTO, DB_INT(batch_id), DB_INT(limit));
    if (upto <= 0)
        return 0;
    if (history_delete_of_batch(db, "household", batch_id, upto) != 0 ||
        db_exec_args(db, SQL_DELETE_BATCH_HOUSEHOLDS, DB_INT(batch_id), DB_INT(upto)) != DB_DONE)
        return -1;
    int n = db_changes(db);
    *households += n;
    return n;
}

int64_t registry_batch_changed_since(db_conn *db, int64_t batch_id, const char *since)
{
    return db_one_int(db, -1, SQL_BATCH_BLOCKERS, DB_INT(batch_id), DB_TEXT(since), DB_INT(batch_id), DB_TEXT(since),
                      DB_INT(batch_id), DB_INT(batch_id));
}
