/* pg_temp.h — a throwaway PostgreSQL cluster for a unit test's group:
 * scripts/pg-temp.sh starts it in a temporary directory (and removes it
 * afterwards, even when the test crashes), or MINSHENG_TEST_PG_URI names
 * an existing database instead. Included by one test file each (static
 * definitions): start_cluster / stop_cluster are cmocka group setup and
 * teardown; `uri` is the database's URI once started; pg_open_or_fail
 * opens a connection. Without
 * PostgreSQL installed the setup fails, and so does the test. */
#ifndef MS_TEST_PG_TEMP_H
#define MS_TEST_PG_TEMP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/db.h"

static char cluster[64];    /* the temporary cluster's directory ("" when MINSHENG_TEST_PG_URI is used) */
static char uri[256];

static int start_cluster(void **state)
{
    const char *given = getenv("MINSHENG_TEST_PG_URI");
    if (given && *given) {
        snprintf(uri, sizeof uri, "%s", given);
        return 0;
    }
    snprintf(cluster, sizeof cluster, "/tmp/minsheng-pg-XXXXXX");
    if (!mkdtemp(cluster)) {
        perror("mkdtemp");
        return -1;
    }
    char cmd[256];
    /* The watcher removes the cluster even when this process crashes. */
    snprintf(cmd, sizeof cmd, "PG_TEMP_WATCH_PID=%d sh scripts/pg-temp.sh start '%s'", (int)getpid(), cluster);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(uri, sizeof uri, p))
        uri[0] = '\0';
    int rc = p ? pclose(p) : -1;
    uri[strcspn(uri, "\n")] = '\0';
    if (rc != 0 || !db_is_postgres(uri)) {
        fprintf(stderr, "%s: 无法启动临时 PostgreSQL 集群 (scripts/pg-temp.sh start %s): "
                        "PostgreSQL 15 未安装？运行 scripts/install-deps.sh\n", program_invocation_short_name, cluster);
        rmdir(cluster);
        cluster[0] = '\0';
        return -1;
    }
    return 0;
}

/* Opens the database u names, or fails the test with the reason. */
static inline db_conn *pg_open_or_fail(const char *u)
{
    char err[512];
    db_conn *db = db_open(u, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    return db;
}

static int stop_cluster(void **state)
{
    if (!cluster[0])
        return 0;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "sh scripts/pg-temp.sh stop '%s'", cluster);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
