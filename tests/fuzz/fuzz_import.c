/* fuzz_import.c — libFuzzer target for the CSV import path
 * (registry/import.c): column mapping, header parsing, row conversion
 * and validation, and the writes of the rows that pass.
 *
 * Input: byte 0 chooses the mode (bit 0: all-or-nothing / valid rows
 * only), the encoding (bits 1–2: auto, UTF-8, GBK), the scope (bit 3: the
 * whole street, or community 371702001001 as a community worker would
 * import) and whether a mapping follows (bit 4): then the mapping
 * ("表头=字段,…") is the text up to the first line feed. The rest is the
 * CSV file.
 *
 * Every input starts from the same database: a demo street with a few
 * households, built once in a temporary file; an input that committed
 * anything is followed by a fresh copy. Besides the sanitizers, it
 * checks the report: counts add up, errors name real lines, nothing is
 * imported by an all-or-nothing run that rejected rows, and the
 * residents and households in the database grew by exactly what the
 * report says. */
#include "fuzz/support.h"
#include "registry/import.h"
#include "storage/db.h"
#include "util/csvfile.h"
#include "util/validate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_template[600], g_work[600], g_community[64];
static db_conn *g_db;

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_import: %s\n", what);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_path("template.db", g_template, sizeof g_template);
    fuzz_path("work.db", g_work, sizeof g_work);
    fuzz_db_build(g_template, 20, 0);
    g_db = fuzz_db_copy(g_template, g_work);
    fuzz_require(db_one_text(g_db, g_community, sizeof g_community,
                             "SELECT path FROM org_unit WHERE code = ?", DB_TEXT("371702001001")) == 1,
                 "community 371702001001 in the demo street");
    return 0;
}

static int64_t count(const char *table)
{
    char sql[80];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return db_one_int(g_db, -1, sql);
}

static void check_report(const import_report *rep, int rc, import_mode mode, size_t lines)
{
    check(rc == IMPORT_OK || rc == IMPORT_ROWS_REJECTED || rc == IMPORT_FATAL, "database error on a private database");
    check(rep->errors && json_is_array(rep->errors), "report without an error list");
    check(json_array_size(rep->errors) <= IMPORT_MAX_ERRORS, "more errors kept than the cap");
    check(json_array_size(rep->errors) <= rep->error_rows, "more errors listed than rows rejected");
    check(rep->error_rows <= rep->rows, "more rows rejected than read");
    check(rep->imported + rep->error_rows <= rep->rows, "imported and rejected rows exceed rows read");
    check((rc == IMPORT_FATAL) == (rep->fatal[0] != '\0'), "fatal message without a fatal result, or the reverse");
    check(utf8_length(rep->fatal) >= 0, "fatal message is not UTF-8");
    if (rc == IMPORT_ROWS_REJECTED || (mode == IMPORT_ALL_OR_NOTHING && rc != IMPORT_OK))
        check(rep->imported == 0 && rep->households_created == 0, "all-or-nothing import rejected yet imported");
    if (rc == IMPORT_OK && mode == IMPORT_ALL_OR_NOTHING)
        check(rep->error_rows == 0, "all-or-nothing import committed with bad rows");
    size_t i;
    json_t *e;
    json_array_foreach(rep->errors, i, e) {
        json_int_t row = json_integer_value(json_object_get(e, "row"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        check(row >= 1 && (size_t)row <= lines, "error names a line outside the file");
        check(msg && *msg && utf8_length(msg) >= 0, "error without a valid message");
    }
    json_t *j = import_report_json(rep);
    check(j != NULL, "report does not convert to JSON");
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const csvr_encoding ENC[] = {CSVR_ENC_AUTO, CSVR_ENC_UTF8, CSVR_ENC_GBK, CSVR_ENC_AUTO};
    char err[256], mapping[512];
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    import_options o = {
        .mode = (flags & 1) ? IMPORT_VALID_ONLY : IMPORT_ALL_OR_NOTHING,
        .enc = ENC[(flags >> 1) & 3],
        .scope_path = (flags & 8) ? g_community : NULL,
        .user_id = 0,
        .username = "fuzz",
        .client_ip = "127.0.0.1",
    };
    if (flags & 16) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        if (n >= sizeof mapping || memchr(text, '\0', n))
            return -1;   /* not an input this target explores */
        memcpy(mapping, text, n);
        mapping[n] = '\0';
        o.mapping = mapping;
        text += nl ? n + 1 : n;
        len -= nl ? n + 1 : n;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n'));

    csvr *in = csvr_open_memory(text, len, o.enc, err, sizeof err);
    if (!in)
        return 0;
    int64_t residents = count("resident"), households = count("household");
    import_report rep;
    int rc = import_residents(g_db, in, &o, &rep);
    csvr_close(in);
    check_report(&rep, rc, o.mode, lines);
    check(count("resident") == residents + (int64_t)rep.imported, "residents in the database differ from the report");
    check(count("household") == households + (int64_t)rep.households_created,
          "households in the database differ from the report");
    int wrote = rep.imported || rep.households_created;
    import_report_free(&rep);
    if (wrote) {
        db_close(g_db);
        g_db = fuzz_db_copy(g_template, g_work);
    }
    return 0;
}
