/* pg_tools.c — pg_dump and pg_restore run for a conninfo (see pg_tools.h). */
#include "storage/pg_tools.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Appends v as a conninfo value: in single quotes, ' and \ escaped. */
static void put_quoted(strbuf *sb, const char *v)
{
    sb_putc(sb, '\'');
    for (; *v; v++) {
        if (*v == '\'' || *v == '\\')
            sb_putc(sb, '\\');
        sb_putc(sb, *v);
    }
    sb_putc(sb, '\'');
}

int pg_tool_split_conninfo(const char *conninfo, strbuf *dsn, char *password, size_t passsz, char *err,
                           size_t errsz)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
    password[0] = '\0';
    if (!opts) {
        /* libpq's message names what is wrong, not the whole text. */
        snprintf(err, errsz, "无法解析 PostgreSQL 连接串: %s", msg ? msg : "内存不足");
        size_t n = strlen(err);
        while (n && err[n - 1] == '\n')
            err[--n] = '\0';
        PQfreemem(msg);
        return -1;
    }
    int first = 1;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "password") == 0) {
            snprintf(password, passsz, "%s", o->val);
            continue;
        }
        if (!first)
            sb_putc(dsn, ' ');
        first = 0;
        sb_puts(dsn, o->keyword);
        sb_putc(dsn, '=');
        put_quoted(dsn, o->val);
    }
    PQconninfoFree(opts);
    return 0;
}

/* The environment with PGPASSWORD set to password (and no other
 * PGPASSWORD): a malloc'd array of the existing strings plus pw_entry. */
static char **child_env(const char *pw_entry)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!pw_entry || strncmp(environ[i], "PGPASSWORD=", 11) != 0)
            env[k++] = environ[i];
    if (pw_entry)
        env[k++] = (char *)pw_entry;
    env[k] = NULL;
    return env;
}

/* The program to run: $MINSHENG_PG_BIN/tool, else tool (PATH). */
static void tool_path(const char *tool, char *out, size_t outsz)
{
    const char *dir = getenv("MINSHENG_PG_BIN");
    if (dir && *dir)
        snprintf(out, outsz, "%s/%s", dir, tool);
    else
        snprintf(out, outsz, "%s", tool);
}

int pg_tool_run(const char *tool, const char *conninfo, const char *const *args, strbuf *out, char *err,
                size_t errsz)
{
    strbuf dsn = STRBUF_INIT, pw_entry = STRBUF_INIT;
    char password[1024], prog[4096];
    const char *argv[64];
    size_t argc = 0;
    int rc = -1, pipefd[2] = {-1, -1};
    char **env = NULL;
    posix_spawn_file_actions_t fa;
    int have_fa = 0;

    tool_path(tool, prog, sizeof prog);
    argv[argc++] = prog;
    if (conninfo) {
        if (pg_tool_split_conninfo(conninfo, &dsn, password, sizeof password, err, errsz) != 0)
            goto out;
        argv[argc++] = "-d";
        argv[argc++] = dsn.data ? dsn.data : "";
        if (password[0]) {
            sb_puts(&pw_entry, "PGPASSWORD=");
            sb_puts(&pw_entry, password);
        }
    }
    for (size_t i = 0; args[i] && argc < sizeof argv / sizeof argv[0] - 1; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    env = child_env(pw_entry.data);
    if (pipe2(pipefd, O_CLOEXEC) != 0 || posix_spawn_file_actions_init(&fa) != 0) {
        snprintf(err, errsz, "无法运行 %s: %s", tool, strerror(errno));
        goto out;
    }
    have_fa = 1;
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    pid_t pid;
    int e = posix_spawnp(&pid, prog, &fa, NULL, (char *const *)argv, env);
    close(pipefd[1]);
    pipefd[1] = -1;
    if (e != 0) {
        snprintf(err, errsz, "无法运行 %s（%s）：请安装 postgresql-client-15，或用 MINSHENG_PG_BIN 指定其目录", prog,
                 strerror(e));
        goto out;
    }
    char buf[4096];
    ssize_t got;
    while ((got = read(pipefd[0], buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        if (out)
            sb_append(out, buf, (size_t)got);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status)) {
        rc = WEXITSTATUS(status);
    } else {
        snprintf(err, errsz, "%s 被信号 %d 终止", tool, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        rc = -1;
    }
out:
    if (have_fa)
        posix_spawn_file_actions_destroy(&fa);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    free(env);
    explicit_bzero(password, sizeof password);
    if (pw_entry.data)
        explicit_bzero(pw_entry.data, pw_entry.len);
    sb_free(&pw_entry);
    sb_free(&dsn);
    return rc;
}
