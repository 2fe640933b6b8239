#ifndef FERRY_CREDIS_H
#define FERRY_CREDIS_H
/* hiredis (Debian's libhiredis-dev) for Swift: its asynchronous API, and its
   libuv adapter, whose functions are `static` in a header and so are
   compiled once here, in redis_uv.c, rather than in every Swift importer. */
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <uv.h>

/* Attaches `context` to `loop` (hiredis' redisLibuvAttach). REDIS_OK or REDIS_ERR. */
int ferry_redis_attach(redisAsyncContext *context, uv_loop_t *loop);

/* The context's user pointer (hiredis leaves it to the caller). */
static inline void *ferry_redis_data(const redisAsyncContext *context) { return context->data; }
static inline void ferry_redis_set_data(redisAsyncContext *context, void *data) { context->data = data; }
#endif
