/* retry.c — the retry policy (see retry.h). */
#include "storage/retry.h"

int db_retry_delay_ms(db_failure failure, int attempt, uint32_t rnd)
{
    if (failure != DB_FAIL_CONFLICT || attempt < 0 || attempt >= DB_RETRY_MAX)
        return -1;
    int ceiling = DB_RETRY_BASE_MS << attempt;
    if (ceiling > DB_RETRY_CAP_MS)
        ceiling = DB_RETRY_CAP_MS;
    int half = ceiling / 2;
    return half + (int)(rnd % (uint32_t)(ceiling - half + 1));
}
