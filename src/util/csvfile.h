/* csvfile.h — reading and writing CSV files the way Chinese offices
 * produce them (Excel "CSV UTF-8" with a BOM, or GBK from older Excel).
 *
 * Owns: decoding (UTF-8 / GBK→UTF-8 via iconv, BOM removal), record
 * splitting with RFC 4180 quoting (embedded commas, quotes and
 * newlines) on top of libcsv, and the field storage for the current
 * record. Prefix csvr_/csvw_ because libcsv already owns csv_*. */
#ifndef MS_CSVFILE_H
#define MS_CSVFILE_H

#include <stddef.h>
#include <stdio.h>

#include "util/strbuf.h"

typedef enum csvr_encoding {
    CSVR_ENC_AUTO = 0,  /* UTF-8 if the first 64 KiB are valid UTF-8, else GBK */
    CSVR_ENC_UTF8,
    CSVR_ENC_GBK        /* decoded as GB18030, a superset of GBK */
} csvr_encoding;

typedef struct csvr csvr;

/* Opens a file (streamed: memory use does not grow with file size).
 * On failure returns NULL and writes a Chinese message into err. */
csvr *csvr_open_file(const char *path, csvr_encoding enc, char *err, size_t errsz);

/* Reads from memory (the caller keeps data alive until csvr_close). */
csvr *csvr_open_memory(const char *data, size_t len, csvr_encoding enc, char *err, size_t errsz);

/* Reads the next record. Returns 1 and sets *fields and *nfields (UTF-8,
 * NUL-terminated, valid until the next call), 0 at end of input, -1 on
 * error (see csvr_error). Blank lines are skipped. Fields keep their
 * inner whitespace; a UTF-8 BOM at the start of input is removed. */
int csvr_next(csvr *r, char ***fields, size_t *nfields);

/* 1-based physical line number on which the last record started. */
size_t csvr_line(const csvr *r);

/* Bytes of input consumed so far and total input size (0 if unknown),
 * for progress reporting. */
size_t csvr_bytes_read(const csvr *r);
size_t csvr_bytes_total(const csvr *r);

/* The encoding that was detected or chosen. */
csvr_encoding csvr_detected_encoding(const csvr *r);

const char *csvr_error(const csvr *r);
void csvr_close(csvr *r);

/* Rows from another kind of table behind the same reader (an .xlsx
 * sheet: util/xlsx_read.h), so that the imports read either without
 * knowing which. next answers as csvr_next (fields valid until the next
 * call; blank rows already skipped) and sets *line to the row's number;
 * error gives its message after a -1; close frees ctx (csvr_close calls
 * it). bytes_read is asked for progress and may be NULL. */
typedef struct csvr_rows {
    int (*next)(void *ctx, char ***fields, size_t *nfields, size_t *line);
    size_t (*bytes_read)(const void *ctx);
    const char *(*error)(const void *ctx);
    void (*close)(void *ctx);
} csvr_rows;

/* A reader over rows (ops is static; ctx is owned by the reader from
 * now on, also when this fails: NULL only when out of memory). */
csvr *csvr_open_rows(const csvr_rows *ops, void *ctx, size_t bytes_total);

/* Appends one field, quoted when it contains a comma, quote, CR or LF,
 * or starts with = + - @ (spreadsheet formula injection: such fields
 * are prefixed with a single quote inside the quotes). */
void csvw_field(strbuf *out, const char *s);
/* Appends a whole row (fields joined by ',', ending in "\r\n"). */
void csvw_row(strbuf *out, const char *const *fields, size_t n);

#endif
