/* app.c — the route list, the session check and the audit checkpoint
 * timer (see app.h). A new module adds its table here, and nowhere
 * else. */
#include "app/app.h"
#include "assistance/assist_api.h"
#include "demands/demand_api.h"
#include "auth/auth_api.h"
#include "auth/session.h"
#include "core/audit.h"
#include "core/keys.h"
#include "mediation/mediation_api.h"
#include "registry/derived.h"
#include "registry/registry_api.h"
#include "safety/injury_api.h"
#include "safety/safety_api.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const route *const app_route_tables[] = {
    auth_routes,
    users_routes,
    change_routes,
    org_routes,
    household_routes,
    resident_routes,
    stats_routes,
    dashboard_routes,
    import_routes,
    transfer_routes,
    audit_routes,
    security_routes,
    openapi_routes,
    permissions_routes,
    assist_case_routes,       /* assistance: applications and steps (cases part) */
    assist_relative_routes,
    assist_notice_routes,     /* assistance: 公示 and objections (notices part) */
    assist_payment_routes,
    assist_programme_routes,
    injury_routes,            /* safety: injury records and their analysis (inj part) */
    safety_routes,            /* safety: enterprises, inspections, the hazard ledger (haz part) */
    mediation_routes,         /* 人民调解: stations, mediators, cases (issue 12) */
    demand_order_routes,      /* citizen demands: work orders (wo part) */
    demand_category_routes,
    demand_dept_routes,
    demand_report_routes,     /* citizen demands: weekly and monthly reports (worep part) */
    demand_open311_routes,    /* citizen demands: Open311 GeoReport v2 and its API keys (o311 part) */
    NULL,
};

static int authenticate(db_conn *db, const char *token, const char *client_ip, actor *out)
{
    return session_authenticate(db, &g_session_policy, token, client_ip, out);
}

/* ---- audit checkpoints ------------------------------------------------------- */

typedef struct checkpointer {
    const char *db_path;
    const app_options *opt;
    int64_t sealed_id;           /* chain head last sealed (-1: none yet) */
    char sealed_hash[AUDIT_HASH_HEX];
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} checkpointer;

/* Seals the chain head when it moved since the last seal. */
static void checkpoint_if_moved(checkpointer *cp)
{
    char err[256], hash[AUDIT_HASH_HEX];
    int64_t id;
    ms_err e;
    audit_seal seal;
    db_conn *db = db_open(cp->db_path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "minsheng: 审计检查点: %s\n", err);
        return;
    }
    if (audit_chain_head(db, &id, hash) == 0 && (id != cp->sealed_id || strcmp(hash, cp->sealed_hash) != 0)) {
        if (audit_checkpoint(db, cp->opt->seal_file, &seal, &e) == 0) {
            cp->sealed_id = seal.last_id;
            memcpy(cp->sealed_hash, seal.hash, sizeof seal.hash);
        } else {
            fprintf(stderr, "minsheng: 审计检查点: %s\n", e.message);
        }
    }
    db_close(db);
}

static void *checkpoint_loop(void *arg)
{
    checkpointer *cp = arg;
    pthread_mutex_lock(&cp->mu);
    while (!cp->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)cp->opt->checkpoint_minutes * 60;
        while (!cp->stop && pthread_cond_timedwait(&cp->cv, &cp->mu, &until) != ETIMEDOUT)
            ;
        if (!cp->stop) {
            pthread_mutex_unlock(&cp->mu);
            checkpoint_if_moved(cp);
            pthread_mutex_lock(&cp->mu);
        }
    }
    pthread_mutex_unlock(&cp->mu);
    return NULL;
}

int app_serve(server_config *cfg, const app_options *opt)
{
    checkpointer cp = {.db_path = cfg->db_path, .opt = opt, .sealed_id = -1,
                       .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    pthread_t timer;
    int timer_running = 0;
    cfg->route_tables = app_route_tables;
    cfg->authenticate = authenticate;
    const unsigned char *cursor_key = keys_subkey(KEY_CURSOR);
    if (cursor_key)
        page_set_cursor_key(cursor_key);
    /* The stop signals go to http_serve's sigwait only: block them before
     * the timer thread starts, so it inherits the mask. */
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    if (opt->checkpoint_minutes > 0)
        timer_running = pthread_create(&timer, NULL, checkpoint_loop, &cp) == 0;
    derived_daily_start(cfg->db_path);   /* 高龄 from the birth date: now, then every day */
    int rc = http_serve(cfg);
    derived_daily_stop();
    if (timer_running) {
        pthread_mutex_lock(&cp.mu);
        cp.stop = 1;
        pthread_cond_signal(&cp.cv);
        pthread_mutex_unlock(&cp.mu);
        pthread_join(timer, NULL);
    }
    if (rc == 0)
        checkpoint_if_moved(&cp);   /* the head at shutdown */
    return rc;
}
