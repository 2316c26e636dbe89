/* pg_tools.h — PostgreSQL's client programs (pg_dump, pg_restore) run
 * for a --db conninfo: what `backup` and `restore` use on PostgreSQL.
 *
 * Owns: how such a program is given the connection. The conninfo (or
 * URI) is parsed by libpq and passed as `-d 'host=… port=… dbname=…'`
 * with every part but the password, which goes only into the child's
 * environment (PGPASSWORD): never on a command line (`ps` shows those)
 * nor in a message. Also which program runs: $MINSHENG_PG_BIN/<tool>
 * when that is set, else <tool> from PATH (Debian's pg_wrapper picks the
 * newest installed client, which reads older servers' archives too). */
#ifndef MS_PG_TOOLS_H
#define MS_PG_TOOLS_H

#include <stddef.h>

#include "util/strbuf.h"

/* The conninfo's parts but the password, as one conninfo string with
 * quoted values, into *dsn (sb appended); the password (or "") into
 * password (passsz bytes). 0, or -1 with a message in err when libpq
 * cannot parse it (the message never repeats the conninfo). */
int pg_tool_split_conninfo(const char *conninfo, strbuf *dsn, char *password, size_t passsz, char *err,
                           size_t errsz);

/* Runs tool with args (NULL-terminated, after argv[0]); with conninfo
 * (NULL: none) it gets "-d DSN" before args and PGPASSWORD. The child's
 * standard output and error go to *out (appended; NULL: discarded), its
 * input is /dev/null. Returns its exit status (0 = success), or -1 with
 * a message in err when it could not be run or was killed by a signal. */
int pg_tool_run(const char *tool, const char *conninfo, const char *const *args, strbuf *out, char *err,
                size_t errsz);

#endif
