/* fuzz_csv.c — libFuzzer target for the CSV reader (util/csvfile.c).
 *
 * Input: byte 0 chooses the encoding (auto, UTF-8, GBK), the rest is the
 * file. Every record is read to the end or the first error. Besides the
 * sanitizers, it checks what the reader promises: fields are valid UTF-8
 * (whatever the encoding of the file), record lines never go backwards
 * and stay within the lines of the input, and a record written back with
 * csvw_row reads back as the same fields (the export/import round trip
 * of a file the reader accepted; the writer's BOM comes first, as in
 * the export). */
#include "util/csvfile.h"
#include "util/strbuf.h"
#include "util/validate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_csv: %s\n", what);
        abort();
    }
}

/* Lines in the input (LF, CRLF and lone CR each end one), +1. */
static size_t count_lines(const uint8_t *d, size_t n)
{
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        if (d[i] == '\n' || (d[i] == '\r' && (i + 1 == n || d[i + 1] != '\n')))
            lines++;
    return lines;
}

/* Fields that survive a write and read unchanged: not a formula start
 * (the writer guards those with a quote), and not a record of one empty
 * field (a blank line, which the reader skips). */
static int round_trips(char **f, size_t n)
{
    if (n == 1 && f[0][0] == '\0')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strchr("=+-@", f[i][0]) && f[i][0])
            return 0;
    return 1;
}

static void check_round_trip(char **f, size_t n)
{
    strbuf out = STRBUF_INIT;
    char err[256], **g;
    size_t m;
    sb_puts(&out, "\xEF\xBB\xBF");   /* as the export writes it: a field may itself start with U+FEFF */
    csvw_row(&out, (const char *const *)f, n);
    csvr *r = csvr_open_memory(out.data, out.len, CSVR_ENC_UTF8, err, sizeof err);
    check(r != NULL, "re-reading a written row failed to open");
    int rc = csvr_next(r, &g, &m);
    if (rc != 1)
        fprintf(stderr, "fuzz_csv: written row does not read back (%d: %s): %.*s\n", rc, csvr_error(r),
                (int)out.len, out.data);
    check(rc == 1, "written row does not read back");
    check(m == n, "written row reads back with another number of fields");
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i], g[i]) != 0) {
            fprintf(stderr, "fuzz_csv: field %zu was \"%s\", reads back as \"%s\"\n", i, f[i], g[i]);
            abort();
        }
    check(csvr_next(r, &g, &m) == 0, "written row reads back with a second record");
    csvr_close(r);
    sb_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const csvr_encoding ENC[] = {CSVR_ENC_AUTO, CSVR_ENC_UTF8, CSVR_ENC_GBK};
    char err[256], **fields;
    size_t nfields, last_line = 0;
    if (size < 1)
        return 0;
    csvr_encoding enc = ENC[data[0] % 3];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    size_t lines = count_lines(data + 1, len);
    csvr *r = csvr_open_memory(text, len, enc, err, sizeof err);
    if (!r) {
        check(err[0] != '\0' && utf8_length(err) >= 0, "open failed without a valid message");
        return 0;
    }
    int rc;
    while ((rc = csvr_next(r, &fields, &nfields)) == 1) {
        size_t line = csvr_line(r);
        check(nfields >= 1, "a record without fields");
        check(line >= 1 && line >= last_line && line <= lines, "record line out of order or range");
        last_line = line;
        for (size_t i = 0; i < nfields; i++)
            check(utf8_length(fields[i]) >= 0, "a field is not valid UTF-8");
        if (round_trips(fields, nfields))
            check_round_trip(fields, nfields);
    }
    if (rc < 0)
        check(csvr_error(r)[0] != '\0' && utf8_length(csvr_error(r)) >= 0, "error without a valid message");
    check(csvr_bytes_read(r) <= len, "read more bytes than given");
    csvr_close(r);
    return 0;
}
