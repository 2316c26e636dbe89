/* support.h — what the fuzz targets share: a private temporary
 * directory, a demo database built once per process (the template), and
 * a fresh copy of it for a target that must start every input from the
 * same data.
 *
 * Test code only: linked into the targets of tests/fuzz/, never into
 * the minsheng binary. Any setup failure aborts the process with a
 * message (a fuzz target that cannot set up has nothing to report). */
#ifndef MS_FUZZ_SUPPORT_H
#define MS_FUZZ_SUPPORT_H

#include "storage/db.h"

/* The process's temporary directory (under $TMPDIR, else /tmp), made on
 * first use and removed at exit. */
const char *fuzz_dir(void);

/* "<fuzz_dir>/<name>"; the string is static (one per call site is enough:
 * the targets keep what they need). */
const char *fuzz_path(const char *name, char *out, size_t outsz);

/* Builds a database at path: migrations, an in-memory audit key, the
 * demo street (seed 7) with `households` households and, when
 * `accounts` is 1, the demo accounts (password DEMO_PASSWORD). */
void fuzz_db_build(const char *path, long households, int accounts);

/* Replaces work with a copy of template (both closed) and opens it. */
db_conn *fuzz_db_copy(const char *template_path, const char *work_path);

/* Aborts with the message when cond is false. */
void fuzz_require(int cond, const char *what);

#endif
