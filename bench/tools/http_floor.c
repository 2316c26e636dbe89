/* http_floor.c — the HTTP floor of bench/compare.sh: a bare
 * libmicrohttpd server started with the same flags and options as
 * minsheng's (src/server/http.c: internal polling thread with epoll, a
 * pool of --threads threads, 15 s connection timeout, 1000 connections,
 * 32 per address) that answers every request with the same fixed 1 KB
 * JSON body. No routing, no authentication, no database: what HTTP alone
 * costs on this machine.
 *
 *   http_floor [--listen 127.0.0.1:PORT] [--threads 4]
 *
 * Runs until SIGINT or SIGTERM. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_body[1024];
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* {"items":[{"id":1,"name":"…"},…],"pad":"xxx"} filled to exactly 1024 bytes. */
static void make_body(void)
{
    size_t n = (size_t)snprintf(g_body, sizeof g_body, "{\"items\":[");
    for (int i = 1; i <= 10; i++)
        n += (size_t)snprintf(g_body + n, sizeof g_body - n, "%s{\"id\":%d,\"name\":\"居民%d\",\"grid\":\"网格%02d\"}",
                              i > 1 ? "," : "", i, i, i);
    n += (size_t)snprintf(g_body + n, sizeof g_body - n, "],\"pad\":\"");
    while (n < sizeof g_body - 2)
        g_body[n++] = 'x';
    g_body[n++] = '"';
    g_body[n++] = '}';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **con_cls)
{
    (void)cls; (void)url; (void)method; (void)version; (void)upload_data; (void)con_cls;
    if (*upload_size) {   /* bodies are read and ignored */
        *upload_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof g_body, g_body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:18090";
    unsigned threads = 4;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (unsigned)atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: http_floor [--listen ADDR:PORT] [--threads N]\n");
            return 2;
        }
    }
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host || threads < 1) {
        fprintf(stderr, "http_floor: bad --listen %s\n", listen);
        return 2;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "http_floor: bad address %s\n", host);
        return 2;
    }
    make_body();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, 15u,
        MHD_OPTION_CONNECTION_LIMIT, 1000u,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, 32u,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "http_floor: cannot listen on %s\n", listen);
        return 1;
    }
    fprintf(stderr, "http_floor: listening on %s, %u threads\n", listen, threads);
    while (!g_stop)
        pause();
    MHD_stop_daemon(d);
    return 0;
}
