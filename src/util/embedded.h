/* embedded.h — files compiled into the binary (migrations, web assets,
 * reference data).
 * Tables are generated at build time by scripts/embed.sh. */
#ifndef MS_EMBEDDED_H
#define MS_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name;   /* base name ("0001_init.sql"), or path under web/dist */
    const char *data;   /* NUL-terminated */
    size_t size;        /* bytes, without the terminating NUL */
};

/* Schema migrations: the SQLite list, and PostgreSQL's (the same names,
 * from migrations/pg/ where that engine has its own file). Read them
 * through db_migrations() in storage/migrations.h. */
extern const struct embedded_file ms_migrations[];
extern const struct embedded_file ms_migrations_pg[];
/* The web application as built by Vite: named by path under web/dist
 * ("index.html", "assets/index-3f2a.js", and "….gz" twins), served by
 * server/static.c. */
extern const struct embedded_file ms_web_assets[];
/* web/openapi.json, served by app/openapi_api.c. */
extern const struct embedded_file ms_api_doc[];
/* Reference data (the .txt files of data/): the GB/T 2260 region codes (util/gbt2260.h). */
extern const struct embedded_file ms_data_files[];

/* Finds a file by name in a table; NULL when absent. */
const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name);

#endif
