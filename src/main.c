/* main.c — the `minsheng` command: argument parsing and dispatch to
 * subcommands (serve, init, demo, user, import, export, backup,
 * restore, migrate, audit, keys, check). Each subcommand opens the database, brings the schema
 * up to date, loads the key file and calls into the modules; nothing
 * here touches SQL. */
#include "assistance/benefit.h"
#include "assistance/enrol.h"
#include "auth/users.h"
#include "demo/assist_demo.h"
#include "demo/demands_demo.h"
#include "demo/mediation_demo.h"
#include "demo/safety_demo.h"
#include "demo/demo.h"
#include "registry/counts.h"
#include "registry/import.h"
#include "registry/import_batch.h"
#include "registry/org.h"
#include "registry/resident_search.h"
#include "registry/org_import.h"
#include "registry/org_geometry.h"
#include "util/xlsx_read.h"
#include "core/audit.h"
#include "core/keys.h"
#include "app/app.h"
#include "app/backup.h"
#include "app/fieldkeys.h"
#include "auth/session.h"
#include "storage/db.h"
#include "storage/dbfile.h"
#include "util/csvfile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2

static const char *db_path = NULL;
static const char *key_file = NULL;   /* --key-file; NULL = $MINSHENG_KEY_FILE or <db>.key */
/* db_path as messages show it: a PostgreSQL URI's password as *** (db_display_name). */
static char db_shown[1024];

/* The audit seal file: --seal, else beside the database file
 * ("<db>.audit-seal"); on PostgreSQL, where there is no database file,
 * beside the key file: "<key file without .key>.audit-seal". Each host
 * (each server sharing one PostgreSQL database) keeps its own file. */
static char *seal_path(const char *given, char *out, size_t outsz)
{
    if (!db_is_postgres(db_path))
        return audit_seal_path(db_path, given, out, outsz);
    char base[4096];
    keys_path(db_path, key_file, base, sizeof base);
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".key") == 0)
        base[n - 4] = '\0';
    return audit_seal_path(base, given, out, outsz);
}

static const char *const USAGE =
    "用法: minsheng [--db 文件] <命令> [选项]\n"
    "\n"
    "民生 minsheng — 街道、社区、网格的居民登记与民生服务系统。\n"
    "\n"
    "命令:\n"
    "  serve                 启动 HTTP 服务（默认 http://127.0.0.1:8080）\n"
    "  init                  创建/升级数据库，建立街道和管理员账户\n"
    "  demo                  载入演示街道（丹阳街道：33个社区、131个网格）和演示账户；--streets N 建一个区的 N 个街道\n"
    "  user add|passwd|list  管理账户\n"
    "  org list|add|rename|close|import|district|geometry  组织架构：显示、建立、改名、撤销、从 CSV/Excel 导入；建立区；\n"
    "                        从 GeoJSON 导入（或导出）单位边界\n"
    "  import residents 文件 从 CSV（UTF-8 或 GBK）或 Excel（.xlsx）导入居民\n"
    "  export residents      导出居民 CSV\n"
    "  backup 文件           在线备份数据库（校验后才生成；不含密钥文件，请另行保存）\n"
    "  restore 备份文件      校验备份后恢复数据库（服务须已停止）\n"
    "  migrate               只升级数据库结构\n"
    "  audit verify|checkpoint|purge  校验审计日志的哈希链、封存检查点、清理过期记录\n"
    "  keys status|rotate|encrypt-existing  敏感字段加密：状态、轮换数据密钥、加密升级前的明文\n"
    "  check [counts] [--fix]  从头重新统计户数、人数和各标签人数，与维护的计数核对（--fix 修复）\n"
    "  assistance enrol 文件 存量纳入：从 CSV 或 Excel 导入已在保的社会救助对象（全部正确才写入）\n"
    "\n"
    "全局选项:\n"
    "  --db 文件   数据库文件（默认取环境变量 MINSHENG_DB，否则 minsheng.db）；\n"
    "              或 PostgreSQL 数据库地址，如 postgresql://用户@主机/minsheng（见 docs/postgresql.md）\n"
    "  --key-file 文件  密钥文件（默认取环境变量 MINSHENG_KEY_FILE，否则 数据库文件名.key）；\n"
    "              新数据库自动创建（权限 0600）。请与数据库分开备份：没有它无法校验审计日志。\n"
    "              PostgreSQL 数据库须用 --key-file 或 MINSHENG_KEY_FILE 指定\n"
    "  -h, --help  显示帮助；每个命令也支持 --help，如 minsheng serve --help\n";

/* ---- shared helpers ---------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int usage_error(const char *cmd_usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "minsheng: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n\n%s", cmd_usage);
    va_end(ap);
    return EXIT_USAGE;
}

/* Loads the key file; creates it (0600) when it is missing and no audit
 * row is chained yet (a new database, or one from before the chain),
 * then chains the rows written before the chain existed. Refuses a key
 * file others may read, and a missing one once the chain exists. */
static int open_keys(db_conn *db)
{
    char path[4096];
    int64_t adopted;
    ms_err err;
    keys_path(db_path, key_file, path, sizeof path);
    if (keys_load(db_path, key_file, &err) != 0) {
        if (err.kind != ERR_NOT_FOUND) {
            fprintf(stderr, "minsheng: %s\n", err.message);
            return -1;
        }
        if (audit_chain_exists(db)) {
            fprintf(stderr, "minsheng: 密钥文件 %s 不存在，而数据库 %s 的审计日志已受它保护；"
                            "请用 --key-file（或环境变量 MINSHENG_KEY_FILE）指定原来的密钥文件\n", path, db_shown);
            return -1;
        }
        if (keys_create(db_path, key_file, &err) != 0) {
            fprintf(stderr, "minsheng: %s\n", err.message);
            return -1;
        }
        fprintf(stderr, "已创建密钥文件 %s（权限 0600）。请把它与数据库分开备份：没有它无法校验审计日志。\n", path);
    }
    if (audit_chain_adopt(db, &adopted, &err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err.message);
        return -1;
    }
    if (adopted)
        fprintf(stderr, "已为迁移前的 %lld 条审计记录建立哈希链\n", (long long)adopted);
    return 0;
}

/* Encrypts what migration 0008 left in plaintext (and finishes the
 * re-encryption of a rotation cut short), in bounded transactions. */
static int encrypt_existing(db_conn *db, int quiet)
{
    int64_t done;
    ms_err err;
    if (fieldkeys_settled(db))   /* the usual case: no scan */
        return 0;
    int64_t pending = fieldkeys_pending(db);
    if (pending < 0 || fieldkeys_reencrypt(db, FIELDKEYS_BATCH, "fields_encrypted", &done, &err) != 0) {
        fprintf(stderr, "minsheng: %s\n", pending < 0 ? "无法读取加密状态" : err.message);
        return -1;
    }
    if (!quiet && done > 0)   /* a new database has nothing to convert */
        fprintf(stderr, "已加密 %lld 行敏感字段（身份证号、电话、残疾信息、动态验证码密钥），明文已清除\n", (long long)done);
    return 0;
}

/* Fills the search terms of residents registered before migration 0017
 * (registry/resident_search.h), in bounded transactions. */
static int search_keys_existing(db_conn *db)
{
    int64_t done;
    ms_err err;
    if (resident_search_backfill(db, FIELDKEYS_BATCH, &done, &err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err.message);
        return -1;
    }
    if (done > 0)
        fprintf(stderr, "已为 %lld 名居民建立姓名拼音和尾号检索键\n", (long long)done);
    return 0;
}

static db_conn *open_db(void)
{
    char err[512] = "";
    db_conn *db = db_open(db_path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "minsheng: %s\n", err);
        return NULL;
    }
    if (db_migrate(db, err, sizeof err) != 0 || open_keys(db) != 0 || encrypt_existing(db, 0) != 0 ||
        search_keys_existing(db) != 0) {
        if (err[0])
            fprintf(stderr, "minsheng: %s\n", err);
        db_close(db);
        return NULL;
    }
    return db;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

/* Reads a password: MINSHENG_PASSWORD, else the terminal (no echo), else one stdin line. */
static int read_password(const char *prompt, char *out, size_t outsz)
{
    const char *env = getenv("MINSHENG_PASSWORD");
    if (env) {
        snprintf(out, outsz, "%s", env);
        return 0;
    }
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *line = fgets(out, (int)outsz, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!line)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || !*s || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* ---- serve ------------------------------------------------------------- */

static const char *const SERVE_USAGE =
    "用法: minsheng serve [--db 文件] [--listen 地址:端口] [--threads N]\n"
    "                     [--session-idle 秒] [--lockout-seconds 秒] [--two-factor required|off]\n"
    "                     [--password-max-age 天] [--unused-account-days 天]\n"
    "                     [--login-failures-per-address N] [--login-failures-global N]\n"
    "                     [--max-conn-per-ip N] [--conn-timeout 秒] [--trusted-proxy 地址]\n"
    "                     [--tls-cert 文件 --tls-key 文件] [--seal 文件] [--checkpoint-minutes N]\n"
    "                     [--admin-allow 地址段,… [--admin-allow-street]]\n"
    "                     [--cache-mib N] [--password-checks N] [--count-cap N]\n"
    "                     [--db-pool N] [--db-pool-wait 毫秒] [--db-replica URI]\n"
    "  --listen           监听地址（默认 127.0.0.1:8080）\n"
    "  --threads          工作线程数（默认 4）\n"
    "  --cache-mib        每个数据库连接（每个工作线程一个）的页缓存 MiB\n"
    "                     （默认 32 除以线程数，至少 4；见 docs/deploy.md 的内存预算）\n"
    "  --password-checks  同时进行的密码计算（Argon2id，每个 64 MiB）上限，其余排队（默认 1）\n"
    "  --count-cap        列表总数最多数到多少条，超过时报“超过 N 条”（total_is_estimate；\n"
    "                     默认 10000；单位的在册户数、人数不受此限，取自维护的计数）\n"
    "  --db-pool          PostgreSQL：请求借用的数据库连接数（默认等于线程数；SQLite 固定每线程一个）\n"
    "  --db-pool-wait     连接全被占用时请求最多等待多少毫秒，超时答 503（默认 5000）\n"
    "  --db-replica       PostgreSQL 只读副本（流复制备库）的 URI：列表、统计等读请求由它回答，\n"
    "                     但调用者自己最新的写入尚未同步到副本时、副本不可用时改由主库回答\n"
    "  --session-idle     会话空闲超时（默认 1800 秒）\n"
    "  --lockout-seconds  连续5次登录失败后的锁定时长（默认 900 秒）\n"
    "  --two-factor       系统管理员、安全管理员、审计员、街道工作人员须绑定动态验证码\n"
    "                     （默认 required；off 关闭）\n"
    "  --admin-allow      系统管理员、安全管理员、审计员只能从这些地址段登录和操作\n"
    "                     （CIDR，逗号分隔，如 10.0.0.0/8,192.168.1.0/24,fd00::/8；默认不限）\n"
    "  --admin-allow-street  街道工作人员也受 --admin-allow 限制\n"
    "  --password-max-age 密码有效期，过期须修改（默认 90 天；0 不过期）\n"
    "  --unused-account-days  超过这么多天未登录的账户在下次登录时停用（默认 90 天；0 不停用）\n"
    "  --login-failures-per-address  每个客户端地址每分钟最多失败登录次数（默认 20；0 不限）\n"
    "  --login-failures-global       全部地址每分钟最多失败登录次数（默认 200；0 不限）\n"
    "  --seal             审计检查点文件（默认 数据库文件名.audit-seal；PostgreSQL 为 密钥文件名去掉.key.audit-seal）\n"
    "  --checkpoint-minutes  每隔几分钟把审计链头封存到检查点文件（默认 60；0 只在停止时封存）\n"
    "  --max-conn-per-ip  每个客户端地址最多同时连接数（默认 32，0 为不限；\n"
    "                     给出 --trusted-proxy 时默认不限，由代理限制）\n"
    "  --conn-timeout     连接空闲多少秒后断开（默认 15 秒）\n"
    "  --trusted-proxy    本机反向代理（如 nginx）的地址；只信任它发来的\n"
    "                     X-Forwarded-For / X-Forwarded-Proto（见 docs/deploy.md）\n"
    "  --tls-cert, --tls-key  直接提供 HTTPS：PEM 证书和私钥文件（私钥不得对所有用户可读）\n";

static int parse_listen(const char *s, server_config *cfg)
{
    static char addr[64];
    const char *colon = strrchr(s, ':');
    long port;
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof addr || parse_long(colon + 1, 1, 65535, &port) != 0)
        return -1;
    memcpy(addr, s, (size_t)(colon - s));
    addr[colon - s] = '\0';
    cfg->listen_addr = addr;
    cfg->port = (uint16_t)port;
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'}, {"threads", required_argument, 0, 't'},
        {"session-idle", required_argument, 0, 'i'}, {"lockout-seconds", required_argument, 0, 'k'},
        {"seal", required_argument, 0, 's'}, {"checkpoint-minutes", required_argument, 0, 'c'},
        {"max-conn-per-ip", required_argument, 0, 'P'}, {"conn-timeout", required_argument, 0, 'T'},
        {"trusted-proxy", required_argument, 0, 'X'}, {"tls-cert", required_argument, 0, 'C'},
        {"tls-key", required_argument, 0, 'K'},
        {"two-factor", required_argument, 0, '2'}, {"password-max-age", required_argument, 0, 'p'},
        {"unused-account-days", required_argument, 0, 'u'}, {"login-failures-per-address", required_argument, 0, 'a'},
        {"login-failures-global", required_argument, 0, 'g'}, {"admin-allow", required_argument, 0, 'A'},
        {"admin-allow-street", no_argument, 0, 'S'}, {"cache-mib", required_argument, 0, 'M'},
        {"password-checks", required_argument, 0, 'H'}, {"count-cap", required_argument, 0, 'N'},
        {"db-pool", required_argument, 0, 'D'}, {"db-pool-wait", required_argument, 0, 'W'},
        {"db-replica", required_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    static addr_list admin_allow;
    char allow_err[200];
    server_config cfg = g_config;
    app_options app = {.seal_file = NULL, .checkpoint_minutes = 60};
    char seal[4096];
    long v;
    int c, per_ip_given = 0, cache_mib = 0;
    unsigned char ipbuf[16];
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (parse_listen(optarg, &cfg) != 0)
                return usage_error(SERVE_USAGE, "无效的监听地址 %s（应为 地址:端口，如 127.0.0.1:8080）", optarg);
            break;
        case 't':
            if (parse_long(optarg, 1, 64, &v) != 0)
                return usage_error(SERVE_USAGE, "线程数应为 1 到 64：%s", optarg);
            cfg.threads = (unsigned)v;
            break;
        case 'i':
            if (parse_long(optarg, 1, 86400, &v) != 0)
                return usage_error(SERVE_USAGE, "会话空闲超时应为 1 到 86400 秒：%s", optarg);
            g_session_policy.idle_seconds = (int)v;
            break;
        case 'k':
            if (parse_long(optarg, 1, 86400, &v) != 0)
                return usage_error(SERVE_USAGE, "锁定时长应为 1 到 86400 秒：%s", optarg);
            g_session_policy.lockout_seconds = (int)v;
            break;
        case 's': app.seal_file = optarg; break;
        case 'c':
            if (parse_long(optarg, 0, 10080, &v) != 0)
                return usage_error(SERVE_USAGE, "检查点间隔应为 0 到 10080 分钟：%s", optarg);
            app.checkpoint_minutes = (int)v;
            break;
        case 'P':
            if (parse_long(optarg, 0, 100000, &v) != 0)
                return usage_error(SERVE_USAGE, "每个地址的连接数应为 0 到 100000：%s", optarg);
            cfg.max_conn_per_ip = (unsigned)v;
            per_ip_given = 1;
            break;
        case 'T':
            if (parse_long(optarg, 1, 3600, &v) != 0)
                return usage_error(SERVE_USAGE, "连接空闲超时应为 1 到 3600 秒：%s", optarg);
            cfg.conn_timeout = (unsigned)v;
            break;
        case 'X': {   /* kept in the form the server prints peer addresses in */
            static char proxy[INET6_ADDRSTRLEN];
            int af = strchr(optarg, ':') ? AF_INET6 : AF_INET;
            if (inet_pton(af, optarg, ipbuf) != 1 || !inet_ntop(af, ipbuf, proxy, sizeof proxy))
                return usage_error(SERVE_USAGE, "无效的代理地址 %s（应为 IP 地址，如 127.0.0.1）", optarg);
            cfg.trusted_proxy = proxy;
            break;
        }
        case 'C': cfg.tls_cert = optarg; break;
        case 'K': cfg.tls_key = optarg; break;
        case '2':
            if (strcmp(optarg, "required") != 0 && strcmp(optarg, "off") != 0)
                return usage_error(SERVE_USAGE, "--two-factor 只能是 required 或 off：%s", optarg);
            g_session_policy.two_factor_required = strcmp(optarg, "required") == 0;
            break;
        case 'p':
        case 'u':
            if (parse_long(optarg, 0, 3650, &v) != 0)
                return usage_error(SERVE_USAGE, "天数应为 0 到 3650：%s", optarg);
            *(c == 'p' ? &g_session_policy.password_max_age_days : &g_session_policy.unused_account_days) = (int)v;
            break;
        case 'a':
        case 'g':
            if (parse_long(optarg, 0, 1000000, &v) != 0)
                return usage_error(SERVE_USAGE, "次数应为 0 到 1000000：%s", optarg);
            *(c == 'a' ? &g_session_policy.login_failures_per_address : &g_session_policy.login_failures_global) = (int)v;
            break;
        case 'A':
            if (addrlist_parse(optarg, &admin_allow, allow_err, sizeof allow_err) != 0)
                return usage_error(SERVE_USAGE, "--admin-allow: %s", allow_err);
            g_session_policy.allow_list = &admin_allow;
            break;
        case 'S': g_session_policy.allow_list_street = 1; break;
        case 'M':
            if (parse_long(optarg, 1, 4096, &v) != 0)
                return usage_error(SERVE_USAGE, "页缓存应为 1 到 4096 MiB：%s", optarg);
            cache_mib = (int)v;
            break;
        case 'H':
            if (parse_long(optarg, 1, 64, &v) != 0)
                return usage_error(SERVE_USAGE, "同时进行的密码计算应为 1 到 64：%s", optarg);
            g_session_policy.max_concurrent_checks = (int)v;
            break;
        case 'N':
            if (parse_long(optarg, 1, 100000000, &v) != 0)
                return usage_error(SERVE_USAGE, "列表计数上限应为 1 到 100000000：%s", optarg);
            cfg.count_cap = (unsigned)v;
            break;
        case 'D':
            if (parse_long(optarg, 1, 1000, &v) != 0)
                return usage_error(SERVE_USAGE, "数据库连接数应为 1 到 1000：%s", optarg);
            cfg.db_pool = (unsigned)v;
            break;
        case 'W':
            if (parse_long(optarg, 1, 600000, &v) != 0)
                return usage_error(SERVE_USAGE, "等待数据库连接的时间应为 1 到 600000 毫秒：%s", optarg);
            cfg.db_pool_wait_ms = (unsigned)v;
            break;
        case 'R':
            if (!db_is_postgres(optarg))
                return usage_error(SERVE_USAGE, "--db-replica 应为 PostgreSQL 的 URI 或连接串（postgresql://…）");
            cfg.db_replica = optarg;
            break;
        case 'h': fputs(SERVE_USAGE, stdout); return 0;
        default: fputs(SERVE_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error(SERVE_USAGE, "多余的参数 %s", argv[optind]);
    if (cfg.db_replica && !db_is_postgres(db_path))
        return usage_error(SERVE_USAGE, "--db-replica 只用于 PostgreSQL 数据库（--db postgresql://…）");
    if (g_session_policy.allow_list_street && !g_session_policy.allow_list)
        return usage_error(SERVE_USAGE, "--admin-allow-street 须与 --admin-allow 同时给出");
    if (!cfg.tls_cert != !cfg.tls_key)
        return usage_error(SERVE_USAGE, "--tls-cert 和 --tls-key 须同时给出");
    /* Behind the proxy every connection comes from its one address: the
     * per-address limit belongs in the proxy (nginx limit_conn). */
    if (cfg.trusted_proxy && !per_ip_given)
        cfg.max_conn_per_ip = 0;
    /* Page caches: one per worker thread's connection, 32 MiB in all by
     * default (the memory budget in docs/deploy.md: under 128 MiB). */
    if (!cache_mib) {
        unsigned threads = cfg.threads ? cfg.threads : 4;
        cache_mib = 32 / (int)threads < 4 ? 4 : 32 / (int)threads;
    }
    db_set_cache_mib(cache_mib);
    /* One server per database file: a second one (or a restore) is refused.
     * Not on PostgreSQL: several servers may share one database (its own
     * locking keeps them consistent), so there is no lock file. */
    char lock_err[1024];
    int lock = db_is_postgres(db_path) ? -1 : dbfile_lock(db_path, lock_err, sizeof lock_err);
    if (lock < 0 && !db_is_postgres(db_path)) {
        fprintf(stderr, "minsheng: %s\n", lock_err);
        return 1;
    }
    db_conn *db = open_db();
    if (!db) {
        dbfile_unlock(lock);
        return 1;
    }
    /* An import the last run left half-written (kill -9, power cut) is
     * undone before anyone is served. */
    int recovered = import_batch_recover(db, 1);
    db_close(db);
    /* What the start-up needed (migrations, the recovery, the key check)
     * goes back to the system before serving, not kept by malloc for
     * later: the memory budget (docs/deploy.md) is for serving. */
    malloc_trim(0);
    if (recovered < 0) {
        dbfile_unlock(lock);
        return 1;
    }
    cfg.db_path = db_path;
    app.seal_file = seal_path(app.seal_file, seal, sizeof seal);
    int rc = app_serve(&cfg, &app);
    dbfile_unlock(lock);
    return rc;
}

/* ---- init ---------------------------------------------------------------- */

static const char *const INIT_USAGE =
    "用法: minsheng init [--db 文件] [--street-code 编码 --street-name 名称] [--admin 用户名]\n"
    "  创建或升级数据库。给出街道编码和名称时建立街道，并创建管理员账户；\n"
    "  管理员密码取自环境变量 MINSHENG_PASSWORD，否则随机生成并打印一次。\n";

static int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"street-code", required_argument, 0, 'c'}, {"street-name", required_argument, 0, 'n'},
        {"admin", required_argument, 0, 'a'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *code = NULL, *name = NULL, *admin = "admin";
    int c, rc = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': code = optarg; break;
        case 'n': name = optarg; break;
        case 'a': admin = optarg; break;
        case 'h': fputs(INIT_USAGE, stdout); return 0;
        default: fputs(INIT_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if ((code == NULL) != (name == NULL))
        return usage_error(INIT_USAGE, "--street-code 和 --street-name 须同时给出");
    db_conn *db = open_db();
    if (!db)
        return 1;
    printf("数据库 %s 已就绪（结构版本 %d）\n", db_shown, db_schema_version(db));
    if (!code) {
        rc = 0;
        goto cleanup;
    }
    char pw[64];
    ms_err err;
    const char *env_pw = getenv("MINSHENG_PASSWORD");
    if (env_pw) {
        snprintf(pw, sizeof pw, "%s", env_pw);
    } else {
        unsigned char raw[9];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(pw, sizeof pw, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        strcat(pw, "#1");
    }
    if (db_begin(db) != DB_DONE)
        goto cleanup;
    if (org_create(db, 0, "street", code, name, NULL, NULL, &err) < 0 ||
        user_create(db, admin, "系统管理员", "admin", code, pw, &err) < 0) {
        db_rollback(db);
        fprintf(stderr, "minsheng: %s\n", err.message);
        goto cleanup;
    }
    audit_entry e = {.action = "init", .entity = "org_unit", .detail = "minsheng init: 建立街道和管理员"};
    if (audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        fprintf(stderr, "minsheng: 保存失败\n");
        goto cleanup;
    }
    printf("已建立街道 %s（%s），管理员账户 %s\n", name, code, admin);
    if (!env_pw)
        printf("管理员初始密码: %s  （只显示这一次，首次登录须修改）\n", pw);
    rc = 0;
cleanup:
    sodium_memzero(pw, sizeof pw);
    db_close(db);
    return rc;
}

/* ---- demo ---------------------------------------------------------------- */

static const char *const DEMO_USAGE =
    "用法: minsheng demo [--db 文件] [--seed N] [--households N] [--streets N] [--if-empty]\n"
    "  在空数据库中建立演示街道（丹阳街道）及各角色演示账户。\n"
    "  --seed        随机种子（默认 2026，相同种子生成相同数据）\n"
    "  --households  每个街道的户数（默认 50000，约12万居民；0 只建组织架构）\n"
    "  --streets     街道数（默认 1：只建丹阳街道，街道为最高一级）；2 到 50 时建立牡丹区（371702）\n"
    "                及其下的街道 371702001、371702002……，账户: 区一级 admin anquan auditor qu bumen，\n"
    "                每个街道 jiedao01、shequ0101、shequ0102、wangge010101……（见 README）\n"
    "  --if-empty    数据库已有街道时不报错，直接跳过\n";

static int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, 0, 's'}, {"households", required_argument, 0, 'n'},
        {"streets", required_argument, 0, 'S'}, {"if-empty", no_argument, 0, 'e'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    demo_options o = {.seed = 2026, .households = DEMO_DEFAULT_HOUSEHOLDS, .today_ymd = 0, .streets = 1};
    int c, if_empty = 0, rc = 1;
    long v;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (parse_long(optarg, 0, 2147483647L, &v) != 0)
                return usage_error(DEMO_USAGE, "随机种子应为非负整数：%s", optarg);
            o.seed = (uint64_t)v;
            break;
        case 'n':
            if (parse_long(optarg, 0, DEMO_MAX_HOUSEHOLDS, &v) != 0)
                return usage_error(DEMO_USAGE, "户数应为 0 到 1000000：%s", optarg);
            o.households = v;
            break;
        case 'S':
            if (parse_long(optarg, 1, DEMO_MAX_STREETS, &v) != 0)
                return usage_error(DEMO_USAGE, "街道数应为 1 到 %d：%s", DEMO_MAX_STREETS, optarg);
            o.streets = (int)v;
            break;
        case 'e': if_empty = 1; break;
        case 'h': fputs(DEMO_USAGE, stdout); return 0;
        default: fputs(DEMO_USAGE, stderr); return EXIT_USAGE;
        }
    }
    db_conn *db = open_db();
    if (!db)
        return 1;
    org_unit street;
    if (if_empty && org_get_by_code(db, DEMO_STREET_CODE, &street) == 0) {
        printf("数据库中已有街道 %s，跳过演示数据\n", street.name);
        rc = 0;
        goto cleanup;
    }
    char err[256];
    demo_summary sum;
    time_t t0 = time(NULL);
    if (o.streets > 1)
        fprintf(stderr, "正在生成演示区（%d 个街道，每个街道 %ld 户）……\n", o.streets, o.households);
    else
        fprintf(stderr, "正在生成演示街道（%ld 户）……\n", o.households);
    if (demo_build(db, &o, &sum, err, sizeof err) != 0 ||
        demo_create_accounts(db, o.streets, stdout, err, sizeof err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err);
        goto cleanup;
    }
    demo_assist_summary as = {0};
    if (o.streets <= 1 && demo_assist_build(db, o.seed, o.today_ymd, &as, err, sizeof err) != 0) {
        fprintf(stderr, "minsheng: 演示救助数据：%s\n", err);
        goto cleanup;
    }
    demo_mediation_summary ms = {0};
    if (o.streets <= 1 && demo_mediation_build(db, o.seed, o.today_ymd, &ms, err, sizeof err) != 0) {
        fprintf(stderr, "minsheng: 演示调解数据：%s\n", err);
        goto cleanup;
    }
    demo_safety_summary ss = {0};
    if (o.streets <= 1 && demo_safety_build(db, o.seed, o.today_ymd, &ss, err, sizeof err) != 0) {
        fprintf(stderr, "minsheng: 演示安全生产数据：%s\n", err);
        goto cleanup;
    }
    demo_demands_summary ds = {0};
    if (o.streets <= 1 && demo_demands_build(db, o.seed, o.today_ymd, &ds, err, sizeof err) != 0) {
        fprintf(stderr, "minsheng: 演示诉求工单：%s\n", err);
        goto cleanup;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "minsheng demo: 种子 %llu，%ld 个街道，%ld 户，%ld 人", (unsigned long long)o.seed,
             sum.streets, sum.households, sum.residents);
    audit_entry e = {.action = "demo", .entity = "org_unit", .detail = detail};
    if (db_begin(db) != DB_DONE || audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        fprintf(stderr, "minsheng: 无法写入审计日志\n");
        goto cleanup;
    }
    if (o.streets > 1)
        printf("演示区已建立: %ld 个街道，", sum.streets);
    else
        printf("演示街道已建立: ");
    printf("%ld 个社区，%ld 个网格，%ld 栋楼，%ld 户，%ld 人（用时 %ld 秒）\n", sum.communities,
           sum.grids, sum.buildings, sum.households, sum.residents, (long)(time(NULL) - t0));
    printf("历史记录: 已注销 %ld 户，已故 %ld 人，迁出 %ld 人，户迁移 %ld 次，人员迁移 %ld 次（户数和人数为在册的）\n",
           sum.closed_households, sum.deceased, sum.moved_out, sum.household_moves, sum.resident_moves);
    char yuan[40];
    if (o.streets <= 1)
        printf("社会救助: 存量在保 %ld 件，申请 %ld 件（临时救助已批准 %ld 件），近亲属备案 %ld 人（回避标记 %ld 件），"
               "已冻结发放批次 %ld 个，合计 %s 元\n",
               as.enrolled, as.applications, as.granted, as.relatives, as.flagged, as.runs,
               benefit_yuan_plain(as.paid_fen, yuan, sizeof yuan));
    if (o.streets <= 1) {
        printf("人民调解: 调解组织 %ld 个，调解员 %ld 人（不再担任 %ld 人），案件 %ld 件（达成协议 %ld 件，调解不成 %ld 件，"
               "撤回 %ld 件，办理中 %ld 件，已回访 %ld 件），调解记录 %ld 次\n",
               ms.stations, ms.mediators, ms.inactive, ms.cases, ms.agreed, ms.failed, ms.withdrawn, ms.open,
               ms.visited, ms.sessions);
        printf("安全生产: 企业和场所 %ld 个，检查 %ld 次，隐患 %ld 处（已销号 %ld 处，其中复查不合格退回 %ld 处；"
               "未销号 %ld 处，其中逾期 %ld 处），伤害监测记录 去年 %ld 条、今年 %ld 条\n",
               ss.enterprises, ss.inspections, ss.hazards, ss.closed, ss.reopened, ss.open, ss.overdue,
               ss.injuries_last_year, ss.injuries_this_year);
    }
    if (o.streets <= 1 && ds.orders > 0)
        printf("诉求工单: %ld 个部门，近一年工单 %ld 件（未办结 %ld 件，合并重复 %ld 件，超期办结 %ld 件）\n", ds.departments,
               ds.orders, ds.open, ds.merged, ds.late);
    rc = 0;
cleanup:
    db_close(db);
    return rc;
}

/* ---- user ---------------------------------------------------------------- */

static const char *const USER_USAGE =
    "用法: minsheng user add 用户名 --role 角色 --org 单位编码 [--name 显示名]\n"
    "      minsheng user passwd 用户名\n"
    "      minsheng user list    （含最近登录时间）\n"
    "  角色: admin(系统管理员) secadmin(安全管理员) auditor(审计员) street(街道) community(社区)\n"
    "        grid(网格员) viewer(部门只读)\n"
    "  命令行由持有数据库文件和密钥文件的操作系统用户执行，不经双人审批（每次操作都记入审计日志）；\n"
    "  用它建立第一个安全管理员和审计员: user add anquan --role secadmin --org 街道编码\n"
    "  密码取自环境变量 MINSHENG_PASSWORD，否则从终端读取（不回显）。\n";

static int user_add(db_conn *db, int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, 0, 'r'}, {"org", required_argument, 0, 'o'},
        {"name", required_argument, 0, 'n'}, {0, 0, 0, 0}};
    const char *role_s = NULL, *org = NULL, *name = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': role_s = optarg; break;
        case 'o': org = optarg; break;
        case 'n': name = optarg; break;
        default: fputs(USER_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !role_s || !org)
        return usage_error(USER_USAGE, "user add 需要用户名、--role 和 --org");
    const char *username = argv[optind];
    char pw[256];
    ms_err err;
    if (read_password("新密码: ", pw, sizeof pw) != 0)
        return usage_error(USER_USAGE, "未读到密码");
    if (db_begin(db) != DB_DONE)
        return 1;
    int64_t id = user_create(db, username, name, role_s, org, pw, &err);
    sodium_memzero(pw, sizeof pw);
    audit_entry e = {.action = "create", .entity = "user", .entity_id = id, .detail = username};
    if (id < 0 || audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        fprintf(stderr, "minsheng: %s\n", id < 0 ? err.message : "保存失败");
        return 1;
    }
    printf("已创建用户 %s（%s）；首次登录须修改初始密码\n", username, role_s);
    return 0;
}

static int user_passwd(db_conn *db, int argc, char **argv)
{
    if (argc != 2)
        return usage_error(USER_USAGE, "user passwd 需要一个用户名");
    char pw[256];
    ms_err err;
    if (read_password("新密码: ", pw, sizeof pw) != 0)
        return usage_error(USER_USAGE, "未读到密码");
    if (db_begin(db) != DB_DONE)
        return 1;
    int rc = user_set_password(db, argv[1], pw, PASSWORD_BY_ADMIN, &err);
    sodium_memzero(pw, sizeof pw);
    audit_entry e = {.action = "password_reset", .entity = "user", .detail = argv[1]};
    if (rc != 0 || audit_write(db, &e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        fprintf(stderr, "minsheng: %s\n", rc ? err.message : "保存失败");
        return 1;
    }
    printf("已重设 %s 的密码，并解除锁定；用户下次登录须修改密码\n", argv[1]);
    return 0;
}

static int cmd_user(int argc, char **argv)
{
    if (argc < 2 || wants_help(argc, argv)) {
        fputs(USER_USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    db_conn *db = open_db();
    if (!db)
        return 1;
    int rc;
    if (strcmp(argv[1], "add") == 0)
        rc = user_add(db, argc - 1, argv + 1);
    else if (strcmp(argv[1], "passwd") == 0)
        rc = user_passwd(db, argc - 1, argv + 1);
    else if (strcmp(argv[1], "list") == 0)
        rc = user_print_list(db, stdout) == 0 ? 0 : 1;
    else
        rc = usage_error(USER_USAGE, "未知的子命令 %s", argv[1]);
    db_close(db);
    return rc;
}

/* ---- org ------------------------------------------------------------------ */

static const char *const ORG_USAGE =
    "用法: minsheng org list [--under 单位编码] [--all]\n"
    "      minsheng org add 上级单位编码 编码 名称\n"
    "      minsheng org rename 编码 新名称\n"
    "      minsheng org close 编码\n"
    "      minsheng org import 文件.csv|文件.xlsx [--mode all|valid] [--encoding auto|utf-8|gbk] [--report 错误报告.json]\n"
    "                         [--dry-run]\n"
    "      minsheng org district 区编码 区名称\n"
    "      minsheng org geometry 文件.geojson [--dry-run]\n"
    "      minsheng org geometry --export 文件.geojson [--under 单位编码]\n"
    "  list      显示组织架构树：层级、名称、编码、负责人（网格员、楼长）；--under 只显示某单位及其下级，\n"
    "            --all 连同已撤销的单位\n"
    "  add       在上级单位下建立下级单位，类别随上级而定：区 → 街道 → 社区 → 网格 → 楼栋。\n"
    "  rename    修改单位名称（编码不变）\n"
    "  close     撤销单位：其下还有未撤销的下级单位或在册的户、居民时拒绝；撤销的单位保留，显示为已撤销\n"
    "  import    从 CSV 或 Excel（.xlsx）导入组织架构。列: 层级（街道/社区/网格/楼栋）、编码、名称、上级编码，\n"
    "            可选 网格员、网格员电话（网格行）、楼长、楼长电话（楼栋行）、负责人、负责人电话（街道、社区行）、\n"
    "            边界（GeoJSON 的 Polygon 或 MultiPolygon）。行的顺序不限，上级可在文件中或已建立；已有的编码\n"
    "            报错而不修改。默认全部正确才导入；--mode valid 跳过有错误的行（及其下级）。\n"
    "            --dry-run 预检：完整检查每一行并报告错误，不写入任何数据。\n"
    "  district  建立区：一个数据库管理一个区的多个街道。已有的街道成为区下的第一个街道\n"
    "            （其编码、路径、账户和数据都不变）；此后新街道用 org add 区编码 … 建在区下。\n"
    "  geometry  从 GeoJSON 文件设置单位边界（首页的网格地图用）：FeatureCollection，每个要素的\n"
    "            properties.code 为单位编码、geometry 为 Polygon 或 MultiPolygon（经度在前）。任一要素有错\n"
    "            （编码不存在、编码重复、边界无效）则整个文件都不导入；--dry-run 只检查不写入。\n"
    "            --export 把已有的边界写成同样格式的文件（--under 只导出某单位及其下级）\n"
    "  区一级的账户: user add 用户名 --role street|viewer|admin|secadmin|auditor --org 区编码\n";

/* ---- what both table imports (org import, import residents) share ---- */

/* --mode all|valid: 0, or -1 when it is neither. */
static int parse_mode(const char *s, import_mode *out)
{
    if (strcmp(s, "all") == 0) *out = IMPORT_ALL_OR_NOTHING;
    else if (strcmp(s, "valid") == 0) *out = IMPORT_VALID_ONLY;
    else return -1;
    return 0;
}

static int parse_encoding(const char *s, csvr_encoding *out)
{
    if (strcmp(s, "auto") == 0) *out = CSVR_ENC_AUTO;
    else if (strcmp(s, "utf-8") == 0 || strcmp(s, "utf8") == 0) *out = CSVR_ENC_UTF8;
    else if (strcmp(s, "gbk") == 0 || strcmp(s, "gb18030") == 0) *out = CSVR_ENC_GBK;
    else return -1;
    return 0;
}

/* The first 20 row errors on stderr, all of them in report_path (JSON) when given. */
static int print_row_errors(const json_t *errors, size_t error_rows, const char *report_path)
{
    size_t i, shown = 0;
    json_t *e;
    json_array_foreach(errors, i, e) {
        if (shown == 20)
            break;
        shown++;
        const char *field = json_string_value(json_object_get(e, "field"));
        fprintf(stderr, "  第 %lld 行%s%s%s %s\n", (long long)json_integer_value(json_object_get(e, "row")),
                field ? " [" : "", field ? field : "", field ? "]" : "",
                json_string_value(json_object_get(e, "message")));
    }
    if (error_rows > shown)
        fprintf(stderr, "  ……共 %zu 行有错误\n", error_rows);
    if (report_path && json_dump_file(errors, report_path, JSON_INDENT(2)) != 0) {
        fprintf(stderr, "minsheng: 无法写入错误报告 %s\n", report_path);
        return -1;
    }
    return 0;
}

/* Audits and commits the command's open transaction; on failure rolls
 * back and says so. 0 or 1. */
static int org_cli_commit(db_conn *db, const audit_entry *e)
{
    if (audit_write(db, e) != 0 || db_commit(db) != DB_DONE) {
        db_rollback(db);
        fprintf(stderr, "minsheng: 保存失败\n");
        return 1;
    }
    return 0;
}

/* Ends an import's open transaction: committed with its audit row e
 * when commit is set, else rolled back; frees e's after image. 0, or 1
 * when the commit failed (said so). */
static int org_cli_finish(db_conn *db, int commit, const audit_entry *e, json_t *after)
{
    int rc = 0;
    if (commit)
        rc = org_cli_commit(db, e);
    else
        db_rollback(db);
    json_decref(after);
    return rc;
}

/* Loads unit `code` inside the open transaction; else rolls back and says so. */
static int org_cli_load(db_conn *db, const char *code, const char *what, org_unit *out)
{
    if (org_get_by_code(db, code, out) == 0)
        return 0;
    db_rollback(db);
    fprintf(stderr, "minsheng: %s %s 不存在\n", what, code);
    return 1;
}

/* Creates one unit (parent_code NULL: the district) and its audit row in
 * one transaction; prints what it made. */
static int org_cli_create(db_conn *db, const char *parent_code, const char *code, const char *name)
{
    org_unit parent = {0}, made;
    ms_err err;
    if (org_check_code_name(code, name, &err) != 0)
        return usage_error(ORG_USAGE, "%s", err.message);
    if (db_begin(db) != DB_DONE)
        return 1;
    if (parent_code && org_cli_load(db, parent_code, "上级单位", &parent) != 0)
        return 1;
    const char *kind = parent_code ? org_child_kind(parent.kind) : "district";
    int64_t id = kind ? org_create(db, parent.id, kind, code, name, NULL, NULL, &err)
                      : err_set(&err, ERR_INVALID, "parent", "楼栋下不能再设下级单位");
    if (id < 0 || org_get(db, id, &made) != 0) {
        db_rollback(db);
        fprintf(stderr, "minsheng: %s\n", id < 0 ? err.message : "保存失败");
        return 1;
    }
    char detail[256];
    snprintf(detail, sizeof detail, "minsheng org: 建立%s %s（%s）", org_kind_label(kind), name, code);
    if (org_cli_commit(db, &(audit_entry){.action = "create", .entity = "org_unit", .entity_id = id,
                                          .org_path = made.path, .detail = detail}) != 0)
        return 1;
    printf("已建立%s %s（%s）%s%s\n", org_kind_label(kind), name, code, parent_code ? "，上级 " : "",
           parent_code ? parent.name : "");
    return 0;
}

/* minsheng org rename CODE NAME */
static int org_cli_rename(db_conn *db, const char *code, const char *name)
{
    org_unit u, after;
    ms_err err;
    if (org_check_code_name(code, name, &err) != 0)
        return usage_error(ORG_USAGE, "%s", err.message);
    if (db_begin(db) != DB_DONE || org_cli_load(db, code, "单位", &u) != 0)
        return 1;
    org_change c = {.name = name, .set = OC_NAME};
    if (org_update(db, u.id, 0, &c, NULL, &err) != 0 || org_get(db, u.id, &after) != 0) {
        db_rollback(db);
        fprintf(stderr, "minsheng: %s\n", err.message);
        return 1;
    }
    char detail[400];
    snprintf(detail, sizeof detail, "minsheng org rename: %s %s 改名为 %s", org_kind_label(u.kind), u.name, name);
    json_t *before_j = json_pack("{s:s, s:s}", "code", u.code, "name", u.name);
    json_t *after_j = json_pack("{s:s, s:s}", "code", after.code, "name", after.name);
    int rc = org_cli_commit(db, &(audit_entry){.action = "update", .entity = "org_unit", .entity_id = u.id,
                                               .org_path = u.path, .before = before_j, .after = after_j,
                                               .detail = detail});
    json_decref(before_j);
    json_decref(after_j);
    if (rc == 0)
        printf("已将%s %s（%s）改名为 %s\n", org_kind_label(u.kind), u.name, code, name);
    return rc;
}

/* minsheng org close CODE */
static int org_cli_close(db_conn *db, const char *code)
{
    org_unit u;
    ms_err err;
    if (db_begin(db) != DB_DONE || org_cli_load(db, code, "单位", &u) != 0)
        return 1;
    if (org_close(db, &u, &err) != 0) {
        db_rollback(db);
        fprintf(stderr, "minsheng: %s\n", err.message);
        return 1;
    }
    char detail[300];
    snprintf(detail, sizeof detail, "minsheng org close: 撤销%s %s（%s）", org_kind_label(u.kind), u.name, code);
    if (org_cli_commit(db, &(audit_entry){.action = "close", .entity = "org_unit", .entity_id = u.id,
                                          .org_path = u.path, .detail = detail}) != 0)
        return 1;
    printf("已撤销%s %s（%s）：单位保留，显示为已撤销\n", org_kind_label(u.kind), u.name, code);
    return 0;
}

/* ---- org list: the tree, siblings by code ---- */

static int by_parent_code(const void *a, const void *b)
{
    const org_unit *x = a, *y = b;
    if (x->parent_id != y->parent_id)
        return x->parent_id < y->parent_id ? -1 : 1;
    return strcmp(x->code, y->code);
}

typedef struct org_tree {
    org_unit *u;
    size_t n;
    int all;
    size_t shown, closed_hidden;
} org_tree;

static void org_print(org_tree *t, const org_unit *u, int depth)
{
    int closed = strcmp(u->status, "closed") == 0;
    if (closed && !t->all) {
        t->closed_hidden++;
        return;
    }
    t->shown++;
    const char *lead = strcmp(u->kind, "grid") == 0 ? "网格员" : strcmp(u->kind, "building") == 0 ? "楼长" : "负责人";
    printf("%*s%s %s（%s）", depth * 2, "", org_kind_label(u->kind), u->name, u->code);
    if (u->leader_name[0])
        printf("  %s %s%s%s", lead, u->leader_name, u->leader_phone[0] ? " " : "", u->leader_phone);
    printf("%s\n", closed ? "  [已撤销]" : "");
    /* children: the run of units whose parent is u (sorted by parent, code) */
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->u[mid].parent_id < u->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < t->n && t->u[i].parent_id == u->id; i++)
        org_print(t, &t->u[i], depth + 1);
}

static int org_cli_list(db_conn *db, const char *under, int all)
{
    org_unit root;
    org_tree t = {.all = all};
    if (under ? org_get_by_code(db, under, &root) != 0 : org_get_root(db, &root) != 0) {
        fprintf(stderr, under ? "minsheng: 单位 %s 不存在\n" : "minsheng: 还没有任何单位：先运行 minsheng init --street-code 编码 --street-name 名称%s\n",
                under ? under : "");
        return 1;
    }
    if (org_subtree(db, &root, &t.u, &t.n) != 0) {
        fprintf(stderr, "minsheng: 读取组织架构失败\n");
        return 1;
    }
    qsort(t.u, t.n, sizeof *t.u, by_parent_code);
    org_print(&t, &root, 0);
    printf("共 %zu 个单位", t.shown);
    if (t.closed_hidden)
        printf("；另有已撤销的单位未显示（--all 显示）");
    printf("\n");
    free(t.u);
    return 0;
}

/* minsheng org import FILE [--mode all|valid] [--encoding …] [--report FILE] [--dry-run] */
static int org_cli_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, 0, 'm'}, {"encoding", required_argument, 0, 'e'},
        {"report", required_argument, 0, 'r'}, {"dry-run", no_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    org_import_options o = {.mode = IMPORT_ALL_OR_NOTHING};
    csvr_encoding enc = CSVR_ENC_AUTO;
    const char *report_path = NULL;
    int c, rc = 1, dry_run = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (parse_mode(optarg, &o.mode) != 0)
                return usage_error(ORG_USAGE, "--mode 只能是 all 或 valid：%s", optarg);
            break;
        case 'e':
            if (parse_encoding(optarg, &enc) != 0)
                return usage_error(ORG_USAGE, "--encoding 只能是 auto、utf-8 或 gbk：%s", optarg);
            break;
        case 'r': report_path = optarg; break;
        case 'n': dry_run = 1; break;
        case 'h': fputs(ORG_USAGE, stdout); return 0;
        default: fputs(ORG_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return usage_error(ORG_USAGE, "用法错误：应为 org import 文件.csv 或 文件.xlsx");
    o.file_name = argv[optind];
    char err[256];
    csvr *in = table_open_file(o.file_name, enc, err, sizeof err);
    if (!in) {
        fprintf(stderr, "minsheng: %s\n", err);
        return 1;
    }
    org_import_report rep = {0};
    db_conn *db = open_db();
    if (!db || db_begin(db) != DB_DONE)
        goto cleanup;
    int irc = org_import(db, in, &o, &rep);
    audit_entry e;
    char detail[600];
    json_t *after = org_import_audit_entry(&o, &rep, detail, sizeof detail, &e);
    if (org_cli_finish(db, irc == IMPORT_OK && !dry_run, &e, after) != 0)
        goto cleanup;
    if (rep.fatal[0]) {
        fprintf(stderr, "minsheng: 导入失败: %s\n", rep.fatal);
        goto cleanup;
    }
    printf("%s共 %zu 行，%s新建 %zu 个单位（街道 %zu、社区 %zu、网格 %zu、楼栋 %zu），错误 %zu 行%s\n",
           dry_run ? "预检：" : "", rep.rows, dry_run ? "可" : "", rep.created, rep.by_kind[0], rep.by_kind[1],
           rep.by_kind[2], rep.by_kind[3], rep.error_rows, dry_run ? "（未写入任何数据）" : "");
    if (rep.error_rows && print_row_errors(rep.errors, rep.error_rows, report_path) != 0)
        goto cleanup;
    if (irc != IMPORT_OK)
        fprintf(stderr, "有错误，%s任何单位（全部正确才导入；可改用 --mode valid 跳过错误行）\n",
                dry_run ? "导入时将不会导入" : "未导入");
    rc = irc == IMPORT_OK ? 0 : 1;
cleanup:
    org_import_report_free(&rep);
    csvr_close(in);
    db_close(db);
    return rc;
}

/* minsheng org geometry FILE [--dry-run] | --export FILE [--under CODE] */
static int org_cli_geometry(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dry-run", no_argument, 0, 'n'}, {"export", required_argument, 0, 'e'},
        {"under", required_argument, 0, 'u'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *export_path = NULL, *under = NULL;
    int dry_run = 0, c, rc = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': dry_run = 1; break;
        case 'e': export_path = optarg; break;
        case 'u': under = optarg; break;
        case 'h': fputs(ORG_USAGE, stdout); return 0;
        default: fputs(ORG_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (export_path ? argc != optind || dry_run : argc - optind != 1 || under)
        return usage_error(ORG_USAGE, "用法错误：应为 org geometry 文件.geojson [--dry-run]，"
                                      "或 org geometry --export 文件.geojson [--under 单位编码]");
    db_conn *db = open_db();
    if (!db)
        return 1;
    if (export_path) {
        org_unit root;
        size_t without = 0;
        json_t *fc = NULL;
        if (under ? org_get_by_code(db, under, &root) != 0 : org_get_root(db, &root) != 0)
            fprintf(stderr, "minsheng: 单位 %s 不存在\n", under ? under : "（还没有任何单位）");
        else if (!(fc = org_geometry_export(db, &root, &without)))
            fprintf(stderr, "minsheng: 读取单位边界失败\n");
        else if (json_dump_file(fc, export_path, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) != 0)
            fprintf(stderr, "minsheng: 无法写入 %s\n", export_path);
        else
            rc = printf("已导出 %zu 个单位的边界到 %s（%zu 个单位没有边界）\n",
                        json_array_size(json_object_get(fc, "features")), export_path, without) < 0;
        json_decref(fc);
        db_close(db);
        return rc;
    }
    const char *path = argv[optind];
    json_error_t jerr;
    json_t *fc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    org_geometry_report rep = {0};
    if (!fc) {
        fprintf(stderr, "minsheng: %s 不是有效的 GeoJSON（第 %d 行第 %d 列：%s）\n", path, jerr.line, jerr.column,
                jerr.text);
        db_close(db);
        return 1;
    }
    if (db_begin(db) != DB_DONE)
        goto cleanup;
    int irc = org_geometry_import(db, fc, dry_run, &rep);
    audit_entry e;
    char detail[600];
    json_t *after = org_geometry_audit_entry(path, &rep, detail, sizeof detail, &e);
    if (org_cli_finish(db, irc == IMPORT_OK && !dry_run, &e, after) != 0)
        goto cleanup;
    if (rep.fatal[0]) {
        fprintf(stderr, "minsheng: 导入边界失败: %s\n", rep.fatal);
        goto cleanup;
    }
    if (irc == IMPORT_OK) {
        if (dry_run)
            printf("共 %zu 个要素，检查无误（--dry-run：未写入）\n", rep.features);
        else
            printf("共 %zu 个要素，已设置 %zu 个单位的边界\n", rep.features, rep.set);
        rc = 0;
        goto cleanup;
    }
    size_t i;
    json_t *err;
    fprintf(stderr, "共 %zu 个要素，%zu 个有错误，未导入任何边界：\n", rep.features, json_array_size(rep.errors));
    json_array_foreach(rep.errors, i, err) {
        if (i == 20) {
            fprintf(stderr, "  ……\n");
            break;
        }
        fprintf(stderr, "  第 %lld 个要素：%s\n", (long long)json_integer_value(json_object_get(err, "feature")),
                json_string_value(json_object_get(err, "message")));
    }
cleanup:
    org_geometry_report_free(&rep);
    json_decref(fc);
    db_close(db);
    return rc;
}

static int cmd_org(int argc, char **argv)
{
    static const struct { const char *name; int args; const char *usage; } SUBS[] = {
        {"district", 2, "org district 需要区编码和区名称"}, {"add", 3, "org add 需要上级单位编码、编码和名称"},
        {"rename", 2, "org rename 需要编码和新名称"}, {"close", 1, "org close 需要单位编码"},
    };
    if (argc < 2 || (argc == 2 && wants_help(argc, argv))) {
        fputs(ORG_USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "import") == 0)
        return org_cli_import(argc - 1, argv + 1);
    if (strcmp(sub, "geometry") == 0)
        return org_cli_geometry(argc - 1, argv + 1);
    if (wants_help(argc, argv))
        return fputs(ORG_USAGE, stdout), 0;
    if (strcmp(sub, "list") == 0) {
        static const struct option opts[] = {{"under", required_argument, 0, 'u'}, {"all", no_argument, 0, 'a'}, {0, 0, 0, 0}};
        const char *under = NULL;
        int all = 0, c;
        optind = 1;
        while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
            if (c == 'u') under = optarg;
            else if (c == 'a') all = 1;
            else return usage_error(ORG_USAGE, "org list 只接受 --under 单位编码 和 --all");
        }
        if (optind != argc - 1)
            return usage_error(ORG_USAGE, "org list 只接受 --under 单位编码 和 --all");
        db_conn *db = open_db();
        if (!db)
            return 1;
        int rc = org_cli_list(db, under, all);
        db_close(db);
        return rc;
    }
    size_t k = 0;
    while (k < sizeof SUBS / sizeof SUBS[0] && strcmp(SUBS[k].name, sub) != 0)
        k++;
    if (k == sizeof SUBS / sizeof SUBS[0])
        return usage_error(ORG_USAGE, "未知的子命令 %s", sub);
    if (argc != SUBS[k].args + 2)
        return usage_error(ORG_USAGE, "%s", SUBS[k].usage);
    db_conn *db = open_db();
    if (!db)
        return 1;
    int rc;
    switch (k) {
    case 0: rc = org_cli_create(db, NULL, argv[2], argv[3]); break;
    case 1: rc = org_cli_create(db, argv[2], argv[3], argv[4]); break;
    case 2: rc = org_cli_rename(db, argv[2], argv[3]); break;
    default: rc = org_cli_close(db, argv[2]); break;
    }
    db_close(db);
    return rc;
}

/* ---- import / export ------------------------------------------------------ */

static const char *const IMPORT_USAGE =
    "用法: minsheng import residents 文件.csv|文件.xlsx [--mode all|valid] [--encoding auto|utf-8|gbk]\n"
    "                                [--map 表头=字段,...] [--report 错误报告.json] [--dry-run]\n"
    "      minsheng import --undo 批次号\n"
    "  --undo        撤销一次已提交的导入（批次号见导入结果和审计日志），其数据导入后未被修改时才可撤销\n"
    "  --mode all    （默认）全部正确才导入，有任何错误则一行也不导入\n"
    "  --mode valid  跳过有错误的行，导入其余行\n"
    "  --map         补充表头对应，如 \"证件号=id_number,住址=address\"\n"
    "  --dry-run     预检：与导入做同样的检查（含与已有数据、文件内其他行的冲突），报告每行错误，不写入任何数据\n"
    "  每行错误会写明行号和字段。必需列: 姓名、身份证号、网格编码、户编号（新户还需地址）。\n"
    "  Excel 工作簿（.xlsx）读第一个工作表，行号即表中行号；--encoding 只用于 CSV。\n";

static void print_progress(size_t rows, size_t bytes, size_t total, void *ctx)
{
    if (!isatty(STDERR_FILENO))
        return;
    if (total)
        fprintf(stderr, "\r已处理 %zu 行（%.0f%%）", rows, 100.0 * (double)bytes / (double)total);
    else
        fprintf(stderr, "\r已处理 %zu 行", rows);
}

/* minsheng import --undo BATCH: the command line imports street-wide,
 * so it may undo any committed batch (its rows unchanged since). */
static int import_undo(long batch)
{
    db_conn *db = open_db();
    if (!db)
        return 1;
    ms_err err;
    import_counts deleted;
    import_owner who = {.username = "cli"};
    int rc = import_batch_undo(db, batch, &who, "命令行撤销（minsheng import --undo）", &deleted, &err);
    if (rc == 0)
        printf("已撤销导入批次 #%ld：删除 %lld 人、%lld 户\n", batch, (long long)deleted.residents,
               (long long)deleted.households);
    else
        fprintf(stderr, "minsheng: %s\n", err.message);
    db_close(db);
    return rc == 0 ? 0 : 1;
}

static int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, 0, 'm'}, {"encoding", required_argument, 0, 'e'},
        {"map", required_argument, 0, 'p'}, {"report", required_argument, 0, 'r'},
        {"undo", required_argument, 0, 'u'}, {"dry-run", no_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    import_options o;
    memset(&o, 0, sizeof o);
    o.mode = IMPORT_ALL_OR_NOTHING;
    const char *report_path = NULL;
    long undo = 0;
    int c, rc = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (parse_mode(optarg, &o.mode) != 0)
                return usage_error(IMPORT_USAGE, "--mode 只能是 all 或 valid：%s", optarg);
            break;
        case 'e':
            if (parse_encoding(optarg, &o.enc) != 0)
                return usage_error(IMPORT_USAGE, "--encoding 只能是 auto、utf-8 或 gbk：%s", optarg);
            break;
        case 'p': o.mapping = optarg; break;
        case 'r': report_path = optarg; break;
        case 'n': o.dry_run = 1; break;
        case 'u':
            if (parse_long(optarg, 1, LONG_MAX, &undo) != 0)
                return usage_error(IMPORT_USAGE, "--undo 应为导入批次号：%s", optarg);
            break;
        case 'h': fputs(IMPORT_USAGE, stdout); return 0;
        default: fputs(IMPORT_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (undo) {
        if (optind != argc || o.dry_run)
            return usage_error(IMPORT_USAGE, "--undo 不与文件或 --dry-run 一起使用");
        return import_undo(undo);
    }
    if (argc - optind != 2 || strcmp(argv[optind], "residents") != 0)
        return usage_error(IMPORT_USAGE, "用法错误：应为 import residents 文件.csv");
    const char *file = argv[optind + 1];
    char err[256];
    csvr *in = table_open_file(file, o.enc, err, sizeof err);
    if (!in) {
        fprintf(stderr, "minsheng: %s\n", err);
        return 1;
    }
    db_conn *db = open_db();
    import_report rep;
    memset(&rep, 0, sizeof rep);
    if (!db)
        goto cleanup;
    o.progress = print_progress;
    o.username = "cli";
    o.file_name = file;
    time_t t0 = time(NULL);
    int irc = import_residents(db, in, &o, &rep);
    if (isatty(STDERR_FILENO))
        fputc('\n', stderr);
    if (rep.fatal[0]) {
        fprintf(stderr, "minsheng: 导入失败: %s\n", rep.fatal);
        goto cleanup;
    }
    long secs = (long)(time(NULL) - t0);
    printf("%s共 %zu 行，%s导入 %zu 人，新建 %zu 户，错误 %zu 行（用时 %ld 秒）%s\n", o.dry_run ? "预检：" : "", rep.rows,
           o.dry_run ? "可" : "", rep.imported, rep.households_created, rep.error_rows, secs,
           o.dry_run ? "（未写入任何数据）" : "");
    if (rep.error_rows && print_row_errors(rep.errors, rep.error_rows, report_path) != 0)
        goto cleanup;
    if (irc != 0 && o.mode == IMPORT_ALL_OR_NOTHING)
        fprintf(stderr, "有错误，%s任何数据（全部正确才导入；可改用 --mode valid 跳过错误行）\n",
                o.dry_run ? "导入时将不会导入" : "未导入");
    rc = irc == 0 ? 0 : 1;
cleanup:
    import_report_free(&rep);
    csvr_close(in);
    db_close(db);
    return rc;
}

static const char *const ASSIST_USAGE =
    "用法: minsheng assistance enrol 文件.csv|文件.xlsx [--dry-run]\n"
    "  存量纳入：把街道已有的社会救助对象导入为“在保”案件。表头（中英文均可，顺序不限）：\n"
    "    programme 项目编码, id_number 身份证号, area 城乡（城市/农村）, band_key 档次, members_counted 保障人数,\n"
    "    income_fen 家庭月收入（分）, start_month 起始月份（YYYY-MM）, review_class 复审类别（A/B/C）,\n"
    "    bank_name 开户行, account_name 户名, account_number 账号,\n"
    "    next_review_on 下次复审日期（可选，YYYY-MM-DD；不填则按项目的复审周期从起始月份推算）\n"
    "  居民按身份证号查找，须为在册居民；金额按起始月份 1 日有效的救助标准计算；账号加密保存。\n"
    "  任何一行有错误则不写入任何数据（逐行列出错误）；--dry-run 只检查。\n";

static int cmd_assistance(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dry-run", no_argument, 0, 'n'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, dry = 0, rc = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': dry = 1; break;
        case 'h': fputs(ASSIST_USAGE, stdout); return 0;
        default: fputs(ASSIST_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 2 || strcmp(argv[optind], "enrol") != 0)
        return usage_error(ASSIST_USAGE, "用法错误：应为 assistance enrol 文件.csv");
    const char *file = argv[optind + 1];
    char err[256];
    csvr *in = table_open_file(file, CSVR_ENC_AUTO, err, sizeof err);
    if (!in) {
        fprintf(stderr, "minsheng: %s\n", err);
        return 1;
    }
    db_conn *db = open_db();
    enrol_report rep;
    memset(&rep, 0, sizeof rep);
    if (!db)
        goto cleanup;
    int erc = assist_enrol(db, in, dry, file, &rep);
    if (rep.fatal[0]) {
        fprintf(stderr, "minsheng: 存量纳入失败: %s\n", rep.fatal);
        goto cleanup;
    }
    size_t nerr = json_array_size(rep.errors);
    printf("%s共 %zu 行，%s纳入 %zu 人，错误 %zu 处%s\n", dry ? "预检：" : "", rep.rows, dry ? "可" : "",
           erc == 0 ? (dry ? rep.rows : rep.enrolled) : 0, nerr, dry ? "（未写入任何数据）" : "");
    if (nerr && print_row_errors(rep.errors, nerr, NULL) != 0)
        goto cleanup;
    if (erc != 0)
        fprintf(stderr, "有错误，未写入任何数据（全部正确才纳入）\n");
    rc = erc == 0 ? 0 : 1;
cleanup:
    enrol_report_free(&rep);
    csvr_close(in);
    db_close(db);
    return rc;
}

static const char *const EXPORT_USAGE =
    "用法: minsheng export residents [--org 单位编码] [--full-id --purpose 用途] [--out 文件.csv]\n"
    "  导出在册居民（UTF-8 带 BOM，Excel 可直接打开）。默认身份证号、电话打码，只给出生年份；\n"
    "  --full-id 导出完整身份证号、出生日期和电话，须用 --purpose 说明用途（与导出一起记入审计日志）。\n";

static int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"org", required_argument, 0, 'o'}, {"full-id", no_argument, 0, 'f'},
        {"purpose", required_argument, 0, 'p'}, {"out", required_argument, 0, 'w'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *org = NULL, *out_path = NULL, *purpose = NULL;
    int c, full = 0, rc = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': org = optarg; break;
        case 'f': full = 1; break;
        case 'p': purpose = optarg; break;
        case 'w': out_path = optarg; break;
        case 'h': fputs(EXPORT_USAGE, stdout); return 0;
        default: fputs(EXPORT_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || strcmp(argv[optind], "residents") != 0)
        return usage_error(EXPORT_USAGE, "用法错误：应为 export residents");
    if (full && (!purpose || strlen(purpose) < 2))
        return usage_error(EXPORT_USAGE, "--full-id 须用 --purpose 说明导出用途（记入审计日志）");
    db_conn *db = open_db();
    if (!db)
        return 1;
    org_unit unit;
    FILE *out = stdout;
    const char *path = "/";
    if (org) {
        if (org_get_by_code(db, org, &unit) != 0) {
            fprintf(stderr, "minsheng: 单位编码 %s 不存在\n", org);
            goto cleanup;
        }
        path = unit.path;
    }
    if (out_path && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "minsheng: 无法写入 %s: %s\n", out_path, strerror(errno));
        out = stdout;
        goto cleanup;
    }
    if (export_residents_csv(db, path, full, purpose, out) != 0) {
        fprintf(stderr, "minsheng: 导出失败\n");
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (out != stdout && fclose(out) != 0)
        rc = 1;
    db_close(db);
    return rc;
}

/* ---- backup / restore / migrate ----------------------------------------------- */

static const char *const BACKUP_USAGE =
    "用法: minsheng backup [--db 文件] [--force] 备份文件\n"
    "  在线备份：服务运行、写入不断时也能完成（在一个读事务里一次复制）。先写到 备份文件.partial-进程号，\n"
    "  同步到磁盘并校验（完整性检查、数据库结构、用密钥文件校验审计哈希链）后才改名为备份文件；\n"
    "  失败或被中断（Ctrl-C、kill）时删除未完成的文件，被 kill -9 留下的在下次备份时删除。\n"
    "  --force  覆盖已有的备份文件（默认不覆盖）\n"
    "  备份不含密钥文件（默认 数据库文件名.key）：请另行保存在别处，恢复时须用它校验审计日志。\n"
    "  PostgreSQL 数据库（--db postgresql://…）：用 pg_dump 生成自定义格式归档（-Fc，密码不出现在命令行），\n"
    "  检查 pg_dump 的退出码并用 pg_restore --list 校验归档后才改名为备份文件；用 minsheng restore 或\n"
    "  pg_restore 恢复（见 README「Restore on PostgreSQL」）。\n";

/* backup on PostgreSQL: pg_dump -Fc, said so in the output. */
static int backup_postgres(db_conn *db, const char *dest, int force)
{
    char key[4096], err[1024];
    backup_pg_report rep;
    keys_path(db_path, key_file, key, sizeof key);
    if (backup_pg_run(db, db_path, dest, force, &rep, err, sizeof err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err);
        return 1;
    }
    if (rep.stale_removed)
        printf("已删除以前中断的备份留下的未完成文件 %d 个\n", rep.stale_removed);
    printf("已用 pg_dump 备份到 %s：PostgreSQL pg_dump 自定义格式归档（-Fc），%lld 字节，%d 个对象，"
           "pg_restore --list 校验通过；备份开始时居民 %lld 人（在册 %lld），审计记录 %lld 条（链头第 %lld 行），"
           "数据库结构版本 %d\n",
           dest, rep.bytes, rep.entries, (long long)rep.residents, (long long)rep.residents_active,
           (long long)rep.audit_rows, (long long)rep.audit_head_id, rep.schema);
    printf("恢复：minsheng --db 新的空数据库 --key-file %s restore %s（或 pg_restore，见 README「Restore on PostgreSQL」）。\n",
           key, dest);
    printf("注意：备份不含密钥文件 %s。请把它另行保存在与备份分开的地方（如离线介质、保险柜）；"
           "恢复时须用它校验审计日志，丢失后无法再校验。\n", key);
    return 0;
}

static int cmd_backup(int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, force = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': force = 1; break;
        case 'h': fputs(BACKUP_USAGE, stdout); return 0;
        default: fputs(BACKUP_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return usage_error(BACKUP_USAGE, "需要一个备份文件名");
    const char *dest = argv[optind];
    if (db_is_postgres(db_path)) {
        db_conn *db = open_db();
        int rc = db ? backup_postgres(db, dest, force) : 1;
        db_close(db);
        return rc;
    }
    if (!dbfile_exists(db_path)) {   /* opening would create an empty one */
        fprintf(stderr, "minsheng: 数据库 %s 不存在\n", db_path);
        return 1;
    }
    db_conn *db = open_db();
    if (!db)
        return 1;
    char key[4096], err[1024];
    backup_report rep;
    keys_path(db_path, key_file, key, sizeof key);
    int rc = backup_run(db, db_path, dest, force, key, &rep, err, sizeof err);
    db_close(db);
    if (rc != 0) {
        fprintf(stderr, "minsheng: %s\n", err);
        return 1;
    }
    if (rep.stale_removed)
        printf("已删除以前中断的备份留下的未完成文件 %d 个\n", rep.stale_removed);
    printf("已备份到 %s：%lld 字节，居民 %lld 人（在册 %lld），审计记录 %lld 条（链头第 %lld 行），数据库结构版本 %d；"
           "已通过完整性检查和审计链校验\n",
           dest, rep.check.bytes, (long long)rep.check.residents, (long long)rep.check.residents_active,
           (long long)rep.check.audit_rows, (long long)rep.check.audit_head_id, rep.check.schema);
    printf("注意：备份不含密钥文件 %s。请把它另行保存在与备份分开的地方（如离线介质、保险柜）；"
           "恢复时须用它校验审计日志，丢失后无法再校验。\n", key);
    return 0;
}

static const char *const RESTORE_USAGE =
    "用法: minsheng restore 备份文件 [--db 文件] [--force] [--seal 文件]\n"
    "  从备份恢复数据库。先在数据库所在目录复制一份备份并校验：完整性检查、数据库结构版本不高于本程序、\n"
    "  用当前密钥文件（默认 数据库文件名.key）校验审计哈希链；不通过则什么也不替换。\n"
    "  服务正在运行（持有 数据库文件名.lock）时拒绝，请先停止服务。\n"
    "  原数据库改名保留为 数据库文件.before-restore-时间（UTC），原检查点文件改名为 检查点文件.before-restore-时间；\n"
    "  恢复后写入一条 restore 审计记录（注明来自哪个备份）并在新的检查点文件里封存链头。\n"
    "  --force  替换已有的数据库（数据库已存在时必须给出）\n"
    "  --seal   检查点文件（默认 数据库文件名.audit-seal）\n"
    "  PostgreSQL（--db postgresql://… 为目标，备份文件为 minsheng backup 生成的 pg_dump 归档）：\n"
    "  先用 pg_restore --list 校验归档，目标数据库须是空的（--force：覆盖其中的同名对象），在一个事务里\n"
    "  pg_restore，再用密钥文件校验恢复后的审计链，写入 restore 审计记录并封存检查点。\n";

/* restore on PostgreSQL: pg_restore into an empty database. */
static int restore_postgres(restore_options *o)
{
    char err[1024];
    restore_report rep;
    if (restore_pg_run(o, &rep, err, sizeof err) != 0) {
        fprintf(stderr, "minsheng: 恢复失败：%s\n", err);
        return 1;
    }
    printf("已用 pg_restore 从 pg_dump 归档 %s 恢复到 %s：居民 %lld 人（在册 %lld），审计记录 %lld 条（链头第 %lld 行），"
           "审计链已用密钥文件 %s 校验，数据库结构版本 %d\n",
           o->backup, db_shown, (long long)rep.check.residents, (long long)rep.check.residents_active,
           (long long)rep.check.audit_rows, (long long)rep.check.audit_head_id, rep.key_path, rep.check.schema);
    if (rep.kept_seal[0])
        printf("原检查点文件移为 %s（其中的检查点属于原数据库；新的检查点文件从恢复时开始）\n", rep.kept_seal);
    printf("已写入 restore 审计记录并封存检查点到 %s（请另行抄存下面这一行）:\n%s", o->seal_file, rep.seal.line);
    return 0;
}

static int cmd_restore(int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, 0, 'f'}, {"seal", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    restore_options o = {.db_path = db_path, .key_file = key_file};
    char seal[4096], err[1024];
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': o.force = 1; break;
        case 's': o.seal_file = optarg; break;
        case 'h': fputs(RESTORE_USAGE, stdout); return 0;
        default: fputs(RESTORE_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return usage_error(RESTORE_USAGE, "需要一个备份文件名");
    o.backup = argv[optind];
    o.seal_file = seal_path(o.seal_file, seal, sizeof seal);
    if (db_is_postgres(db_path))
        return restore_postgres(&o);
    restore_report rep;
    if (restore_run(&o, &rep, err, sizeof err) != 0) {
        fprintf(stderr, "minsheng: 恢复失败：%s\n", err);
        return 1;
    }
    printf("已从 %s 恢复到 %s：居民 %lld 人（在册 %lld），审计记录 %lld 条（链头第 %lld 行），数据库结构版本 %d\n",
           o.backup, db_path, (long long)rep.check.residents, (long long)rep.check.residents_active,
           (long long)rep.check.audit_rows, (long long)rep.check.audit_head_id, rep.check.schema);
    if (rep.kept[0])
        printf("原数据库保留为 %s\n", rep.kept);
    if (rep.kept_seal[0])
        printf("原检查点文件移为 %s（其中的检查点属于原数据库；新的检查点文件从恢复时开始）\n", rep.kept_seal);
    printf("已写入 restore 审计记录并封存检查点到 %s（请另行抄存下面这一行）:\n%s", seal, rep.seal.line);
    return 0;
}

static int cmd_migrate(int argc, char **argv)
{
    if (wants_help(argc, argv))
        return fputs("用法: minsheng migrate [--db 文件]\n  把数据库结构升级到最新版本。\n", stdout), 0;
    db_conn *db = open_db();
    if (!db)
        return 1;
    printf("数据库结构版本 %d\n", db_schema_version(db));
    db_close(db);
    return 0;
}

/* ---- audit ---------------------------------------------------------------- */

static const char *const AUDIT_USAGE =
    "用法: minsheng audit verify [--seal 文件]\n"
    "      minsheng audit checkpoint [--seal 文件]\n"
    "      minsheng audit purge --before YYYY-MM-DD [--min-days N] [--seal 文件]\n"
    "  verify      逐行校验审计日志的哈希链，并与检查点文件中的每个检查点核对；\n"
    "              完整时退出码 0，被篡改时指出第一处断点（哪一行，被修改、删除、插入或顺序错乱）并以 1 退出\n"
    "  checkpoint  把当前链头（最新一行的编号和哈希）追加到检查点文件并打印，供离线留存\n"
    "  purge       清理 --before 日期（北京时间）之前的审计记录；至少保留 180 天（--min-days 只能更长），\n"
    "              清理前先校验，清理后留下锚点，链的其余部分仍可校验\n"
    "  --seal      检查点文件（默认 数据库文件名.audit-seal，PostgreSQL 为 密钥文件名去掉.key.audit-seal；以追加方式写入；建议 chattr +a 并定期复制到别处）\n";

static int audit_verify_cmd(db_conn *db, const char *seal)
{
    audit_verify_report rep;
    ms_err err;
    int rc = audit_verify(db, seal, &rep, &err);
    if (rc < 0) {
        fprintf(stderr, "minsheng: %s\n", err.message);
        return 2;
    }
    if (rc > 0) {
        printf("审计日志被篡改：%s\n", rep.problem);
        if (rep.bad_id)
            printf("第一处断点：第 %lld 行\n", (long long)rep.bad_id);
        return 1;
    }
    if (rep.rows)
        printf("审计日志完整：第 %lld 至 %lld 行共 %lld 条，哈希链无断点", (long long)rep.first_id,
               (long long)rep.last_id, (long long)rep.rows);
    else
        printf("审计日志完整：没有记录");
    printf("；清理锚点 %lld 个；检查点 %lld 个", (long long)rep.anchors, (long long)rep.seals);
    printf(rep.seal_file_missing ? "（检查点文件 %s 不存在：无法发现最新记录被删除）\n" : "（%s）\n", seal);
    printf("链头：第 %lld 行 %s\n", (long long)rep.last_id, rep.head_hash);
    return 0;
}

static int audit_checkpoint_cmd(db_conn *db, const char *seal)
{
    audit_seal out;
    ms_err err;
    if (audit_checkpoint(db, seal, &out, &err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err.message);
        return 1;
    }
    printf("已封存检查点到 %s（请另行抄存下面这一行）:\n%s", seal, out.line);
    return 0;
}

static int audit_purge_cmd(db_conn *db, const char *seal, const char *before, long min_days)
{
    audit_purge_report rep;
    ms_err err;
    if (audit_purge(db, before, (int)min_days, time(NULL), seal, &rep, &err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err.message);
        return 1;
    }
    if (rep.purged)
        printf("已清理 %s 之前的审计记录 %lld 条（至第 %lld 行），并写入锚点和检查点\n", before,
               (long long)rep.purged, (long long)rep.through_id);
    else
        printf("%s 之前没有可清理的审计记录\n", before);
    return 0;
}

static int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seal", required_argument, 0, 's'}, {"before", required_argument, 0, 'b'},
        {"min-days", required_argument, 0, 'm'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *seal_opt = NULL, *before = NULL;
    long min_days = AUDIT_RETENTION_MIN_DAYS;
    char seal[4096];
    int c;
    if (argc < 2 || wants_help(argc, argv)) {
        fputs(AUDIT_USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    const char *sub = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': seal_opt = optarg; break;
        case 'b': before = optarg; break;
        case 'm':
            if (parse_long(optarg, AUDIT_RETENTION_MIN_DAYS, 36500, &min_days) != 0)
                return usage_error(AUDIT_USAGE, "--min-days 应为 %d 到 36500 天：%s", AUDIT_RETENTION_MIN_DAYS, optarg);
            break;
        default: fputs(AUDIT_USAGE, stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error(AUDIT_USAGE, "多余的参数 %s", argv[optind]);
    int is_purge = strcmp(sub, "purge") == 0;
    if (!is_purge && strcmp(sub, "verify") != 0 && strcmp(sub, "checkpoint") != 0)
        return usage_error(AUDIT_USAGE, "未知的子命令 %s", sub);
    if (is_purge != (before != NULL))
        return usage_error(AUDIT_USAGE, is_purge ? "audit purge 需要 --before" : "--before 只用于 audit purge");
    db_conn *db = open_db();
    if (!db)
        return is_purge ? 1 : 2;
    seal_path(seal_opt, seal, sizeof seal);
    int rc = is_purge                        ? audit_purge_cmd(db, seal, before, min_days)
             : strcmp(sub, "verify") == 0 ? audit_verify_cmd(db, seal)
                                          : audit_checkpoint_cmd(db, seal);
    db_close(db);
    return rc;
}

/* ---- keys ----------------------------------------------------------------- */

static const char *const KEYS_USAGE =
    "用法: minsheng keys status\n"
    "      minsheng keys rotate\n"
    "      minsheng keys encrypt-existing\n"
    "  status            显示数据密钥的代数，以及各表中明文、旧代、新代密钥加密的行数\n"
    "  rotate            生成新一代数据密钥，用它重新加密所有敏感字段并重算盲索引，分批提交；\n"
    "                    中途中断（断电、kill -9）后再次运行即从断处继续。须先停止服务。\n"
    "                    密钥文件在轮换完成前同时保存新旧两代，完成后只留新一代（审计密钥不变）\n"
    "  encrypt-existing  加密升级前以明文保存的字段（每次打开数据库时也会自动进行）\n"
    "备份复制的是加密后的数据库：恢复和读取备份都需要同一个密钥文件，请分开妥善保管。\n";

static void print_status(const char *table, const crypt_status *st, void *ctx)
{
    unsigned *gens = ctx;
    printf("  %-10s 第 %u 代 %lld 行", table, gens[0], (long long)st->newest);
    if (gens[1])
        printf("，第 %u 代 %lld 行", gens[1], (long long)st->older);
    else if (st->older)
        printf("，旧代（密钥已不在） %lld 行", (long long)st->older);
    printf("，明文 %lld 行\n", (long long)st->plain);
}

static int keys_rotate_cmd(db_conn *db)
{
    ms_err err;
    int resumed;
    int64_t done;
    if (keys_lock_exclusive(db_path, key_file, &err) != 0 || keys_rotate_begin(db_path, key_file, &resumed, &err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err.message);
        return 1;
    }
    printf(resumed ? "继续未完成的轮换：第 %u 代数据密钥\n" : "已生成第 %u 代数据密钥（密钥文件暂存新旧两代）\n",
           keys_generation());
    if (fieldkeys_reencrypt(db, FIELDKEYS_BATCH, "keys_rotated", &done, &err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err.message);
        return 1;
    }
    if (fieldkeys_pending(db) != 0) {
        fprintf(stderr, "minsheng: 仍有字段未重新加密，密钥文件保留两代；请重新运行 keys rotate\n");
        return 1;
    }
    if (keys_rotate_finish(db_path, key_file, &err) != 0) {
        fprintf(stderr, "minsheng: %s\n", err.message);
        return 1;
    }
    printf("轮换完成：重新加密 %lld 行，密钥文件只保留第 %u 代数据密钥\n", (long long)done, keys_generation());
    return 0;
}

static int cmd_keys(int argc, char **argv)
{
    if (argc < 2 || wants_help(argc, argv)) {
        fputs(KEYS_USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    const char *sub = argv[1];
    if (argc > 2)
        return usage_error(KEYS_USAGE, "多余的参数 %s", argv[2]);
    if (strcmp(sub, "status") != 0 && strcmp(sub, "rotate") != 0 && strcmp(sub, "encrypt-existing") != 0)
        return usage_error(KEYS_USAGE, "未知的子命令 %s", sub);
    db_conn *db = open_db();   /* converts plaintext left by an upgrade */
    if (!db)
        return 1;
    int rc = 0;
    if (strcmp(sub, "rotate") == 0) {
        rc = keys_rotate_cmd(db);
    } else if (strcmp(sub, "status") == 0) {
        unsigned gens[KEYS_MAX_GENERATIONS] = {0};
        int n = keys_generations(gens);
        printf("数据密钥：第 %u 代%s\n", gens[0], n > 1 ? "（轮换未完成，旧代密钥仍在密钥文件中：请运行 keys rotate）" : "");
        rc = fieldkeys_status(db, print_status, gens) == 0 ? 0 : 1;
    } else {
        printf("所有敏感字段均已加密\n");
    }
    db_close(db);
    return rc;
}

/* ---- check ------------------------------------------------------------------ */

static const char *const CHECK_USAGE =
    "用法: minsheng check [counts] [--fix]\n"
    "  counts  从头重新统计每个网格和楼栋的在册户数、人数和各标签人数，与系统维护的计数逐项核对；\n"
    "          一致时退出码 0，有偏差时逐项列出并以 1 退出（服务运行时也可核对）\n"
    "  --fix   有偏差时用重新统计的结果替换计数（写入 counts_fix 审计记录），修复后退出码 0\n";

static void print_drift(const counts_drift *d, void *ctx)
{
    (void)ctx;
    printf("计数偏差：%s %s（单位 %lld）%s：记录 %lld，实际 %lld\n", d->unit_code, d->unit_name,
           (long long)d->unit_id, d->what, (long long)d->stored, (long long)d->actual);
}

static int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {{"fix", no_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int fix = 0, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h')
            return fputs(CHECK_USAGE, stdout), 0;
        if (c != 'f')
            return usage_error(CHECK_USAGE, "未知的选项");
        fix = 1;
    }
    if (optind < argc && strcmp(argv[optind], "counts") == 0)
        optind++;
    if (optind < argc)
        return usage_error(CHECK_USAGE, "未知的检查项 %s", argv[optind]);
    db_conn *db = open_db();
    if (!db)
        return 1;
    int64_t drift = counts_check(db, fix, print_drift, NULL);
    db_close(db);
    if (drift < 0) {
        fprintf(stderr, "minsheng: 核对计数时数据库出错\n");
        return 2;
    }
    if (drift == 0) {
        printf("计数一致：户数、人数和各标签人数与重新统计的结果相同\n");
        return 0;
    }
    printf(fix ? "已修复 %lld 项计数偏差\n" : "共 %lld 项计数偏差（minsheng check --fix 修复）\n", (long long)drift);
    return fix ? 0 : 1;
}

/* ---- dispatch ---------------------------------------------------------------- */

static const struct { const char *name; int (*fn)(int, char **); } COMMANDS[] = {
    {"serve", cmd_serve}, {"init", cmd_init}, {"demo", cmd_demo}, {"user", cmd_user}, {"org", cmd_org},
    {"import", cmd_import}, {"export", cmd_export}, {"backup", cmd_backup}, {"restore", cmd_restore},
    {"migrate", cmd_migrate}, {"audit", cmd_audit}, {"keys", cmd_keys}, {"check", cmd_check},
    {"assistance", cmd_assistance},
};

int main(int argc, char **argv)
{
    int i = 1;
    db_path = getenv("MINSHENG_DB");
    /* Global options before the command. */
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return fputs(USAGE, stdout), 0;
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db_path = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            db_path = argv[i] + 5;
            i++;
        } else if (strcmp(argv[i], "--key-file") == 0 && i + 1 < argc) {
            key_file = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--key-file=", 11) == 0) {
            key_file = argv[i] + 11;
            i++;
        } else {
            fprintf(stderr, "minsheng: 未知的选项 %s\n\n%s", argv[i], USAGE);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    if (!db_path || !*db_path)
        db_path = "minsheng.db";
    db_display_name(db_path, db_shown, sizeof db_shown);
    if (sodium_init() < 0) {
        fprintf(stderr, "minsheng: 无法初始化加密库\n");
        return 1;
    }
    const char *cmd = argv[i];
    if (strcmp(cmd, "help") == 0) {
        /* "minsheng help export" runs as "minsheng export --help". */
        if (i + 1 >= argc)
            return fputs(USAGE, stdout), 0;
        cmd = argv[i] = argv[i + 1];
        argv[i + 1] = "--help";
        argc = i + 2;
    }
    /* Allow --db and --key-file after the command too: "minsheng serve --db x.db". */
    int n = argc - i;
    char **sub = argv + i;
    for (int k = 1; k < n; k++) {
        int is_db = strcmp(sub[k], "--db") == 0;
        if ((is_db || strcmp(sub[k], "--key-file") == 0) && k + 1 < n) {
            *(is_db ? &db_path : &key_file) = sub[k + 1];
            memmove(&sub[k], &sub[k + 2], (size_t)(n - k - 2) * sizeof *sub);
            n -= 2;
            k--;
        }
    }
    sub[n] = NULL;
    /* No file beside a PostgreSQL URI to hold the keys: name one. */
    const char *env_key = getenv("MINSHENG_KEY_FILE");
    if (db_is_postgres(db_path) && !(key_file && *key_file) && !(env_key && *env_key) && !wants_help(n, sub)) {
        fprintf(stderr, "minsheng: PostgreSQL 数据库须用 --key-file 文件（或环境变量 MINSHENG_KEY_FILE）指定密钥文件："
                        "数据库地址旁没有可放密钥文件的地方；多台服务器共用一个数据库时须用同一个密钥文件的副本\n");
        return EXIT_USAGE;
    }
    for (size_t k = 0; k < sizeof COMMANDS / sizeof COMMANDS[0]; k++) {
        if (strcmp(COMMANDS[k].name, cmd) == 0) {
            if (strcmp(cmd, "serve") != 0)
                audit_command_line();   /* the audit rows of a command name its OS user */
            optind = 1;
            return COMMANDS[k].fn(n, sub);
        }
    }
    fprintf(stderr, "minsheng: 未知的命令 %s\n\n%s", cmd, USAGE);
    return EXIT_USAGE;
}
