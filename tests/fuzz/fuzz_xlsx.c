/* fuzz_xlsx.c — libFuzzer target for the .xlsx reader (util/xlsx_read.c).
 *
 * Input: the file. It is opened as a workbook from memory and every row
 * read to the end or the first error. Besides the sanitizers (the zip
 * parts, the XML, the shared-string indexes, the column letters are all
 * outside input), it checks what the reader promises: fields are valid
 * UTF-8 and NUL-terminated, a row has at most XLSX_MAX_COLUMNS fields,
 * its last field is not empty (the row ends at its last cell with text)
 * and a failed reader stays failed with a message. */
#include "util/validate.h"
#include "util/xlsx_read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_xlsx: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256], **f;
    size_t n;
    xlsx_reader *x = xlsx_open_memory(data, size, err, sizeof err);
    if (!x) {
        check(err[0] != '\0', "a refused file has a message");
        return 0;
    }
    int rc;
    while ((rc = xlsx_next(x, &f, &n)) > 0) {
        check(n > 0 && n <= XLSX_MAX_COLUMNS, "fields within the columns");
        check(f[n - 1][0] != '\0', "a row ends at its last cell with text");
        for (size_t i = 0; i < n; i++)
            check(utf8_length(f[i]) >= 0, "fields are valid UTF-8");
    }
    if (rc < 0) {
        check(xlsx_error(x)[0] != '\0', "an error has a message");
        check(xlsx_next(x, &f, &n) == -1, "a failed reader stays failed");
    }
    xlsx_close(x);
    return 0;
}
