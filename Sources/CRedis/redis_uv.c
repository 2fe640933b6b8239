#include "CRedis.h"
#include <hiredis/adapters/libuv.h>

int ferry_redis_attach(redisAsyncContext *context, uv_loop_t *loop) {
    return redisLibuvAttach(context, loop);
}
