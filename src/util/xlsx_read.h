/* xlsx_read.h — reading the first sheet of an Excel workbook (.xlsx)
 * as rows of cell strings, the way csvfile.h reads a CSV file, so that
 * the imports take either.
 *
 * Owns: the open zip archive (libzip), the shared-string table, the
 * streaming XML parser (expat) over the sheet and the current row's
 * cells. A workbook is a zip of XML parts: xl/workbook.xml names the
 * sheets, xl/_rels/workbook.xml.rels says which part each one is,
 * xl/sharedStrings.xml holds the text most cells point at by index.
 *
 * Bounded: the sheet is parsed as it is decompressed (memory does not
 * grow with its size), the shared strings are capped, and every part
 * is refused past a decompressed size (counted while reading, not
 * taken from the archive's headers) and a compression ratio no
 * spreadsheet has (a zip bomb). Cells keep their stored text: numbers
 * as written ("3.71702E+17" stays that), dates as Excel's serial
 * numbers, booleans as 0/1. */
#ifndef MS_XLSX_READ_H
#define MS_XLSX_READ_H

#include <stddef.h>

#include "util/csvfile.h"

#define XLSX_MAX_PART     ((size_t)16 << 20)    /* workbook.xml, its rels */
#define XLSX_MAX_STRINGS  ((size_t)128 << 20)   /* the shared strings, decompressed */
#define XLSX_MAX_SHEET    ((size_t)2 << 30)     /* the sheet's XML, decompressed */
#define XLSX_MAX_RATIO    200                   /* decompressed / compressed bytes of a part */
#define XLSX_MAX_COLUMNS  16384                 /* A … XFD, as Excel */
#define XLSX_MAX_ROW      ((size_t)1 << 20)     /* bytes of one row's text */

typedef struct xlsx_reader xlsx_reader;

/* Opens a workbook and its first sheet. NULL with a Chinese message in
 * err when the file is not a readable .xlsx. */
xlsx_reader *xlsx_open_file(const char *path, char *err, size_t errsz);
/* The same from memory (data must outlive the reader). */
xlsx_reader *xlsx_open_memory(const void *data, size_t len, char *err, size_t errsz);

/* The next row that has any text: 1 with *fields (UTF-8, NUL-terminated,
 * "" for an empty or missing cell, valid until the next call) and
 * *nfields (up to the last cell with text), 0 at the end, -1 on error
 * (xlsx_error). */
int xlsx_next(xlsx_reader *x, char ***fields, size_t *nfields);
/* The sheet's row number (1-based, as Excel shows it) of the last row. */
size_t xlsx_row(const xlsx_reader *x);
size_t xlsx_bytes_read(const xlsx_reader *x);    /* of the sheet's XML */
size_t xlsx_bytes_total(const xlsx_reader *x);
const char *xlsx_error(const xlsx_reader *x);
void xlsx_close(xlsx_reader *x);

/* 1 when data starts as a zip archive does ("PK\3\4"). */
int xlsx_looks_like_zip(const void *data, size_t len);

/* A table file, CSV or .xlsx, told apart by its first bytes, as one
 * csvr (the .xlsx through csvr_open_rows: csvr_line is the sheet's row
 * number, and a row has at least as many fields as the first, the
 * empty cells Excel leaves out at its end being ""). enc applies to CSV only. An old .xls is refused with a
 * message saying how to save it. NULL with err on failure. */
csvr *table_open_file(const char *path, csvr_encoding enc, char *err, size_t errsz);
csvr *table_open_memory(const char *data, size_t len, csvr_encoding enc, char *err, size_t errsz);

#endif
