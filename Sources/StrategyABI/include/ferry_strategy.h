/*
 * ferry_strategy.h — the whole contract between Ferry and a scheduling
 * strategy plugin (ABI version 1.2).
 *
 * A plugin is a shared library that exports ONE symbol:
 *
 *     const ferry_strategy *ferry_strategy_entry(void);
 *
 * returning a table that lives as long as the process. Fill its first five
 * fields with FERRY_STRATEGY_HEADER("name"). The host checks `magic`,
 * `abi_major` (must equal FERRY_STRATEGY_ABI_MAJOR) and `size` (at least
 * FERRY_STRATEGY_SIZE_1_0) before it calls anything else, and refuses the
 * file with one line naming it and the mismatch otherwise. Minor versions
 * only append fields, to the table and to the structs the host passes: a
 * host reads a field of the table only when `size` covers it, so a plugin
 * built against 1.0 loads on every 1.x host.
 *
 * 1.1 adds the host's cost estimates: each item's own service time
 * (`ferry_item.service_ns`) and, through `attach_host`, the estimated time of
 * a call holding any set of queued ids — a backend that pads every row to the
 * longest does not cost the max of its items, so no plugin should write a
 * cost law of its own.
 *
 * 1.2 appends `law_is_prior` to `ferry_host`: whether those estimates are
 * still the configured prior of a law the host learns, before any call of
 * the backend was measured. A plugin reads it only when the host table's
 * `size` covers it (a 1.1 host's does not: take its estimates as known).
 *
 * Rules for every call:
 *   - All calls come from one thread; a plugin needs no locks.
 *   - `now` is nanoseconds on the host's monotonic clock (virtual in the
 *     bench's simulator). A plugin must never read a clock itself, or the
 *     same plugin would behave differently in simulation and live.
 *   - A plugin sees ids, clients, sizes, cost estimates and times — never
 *     payloads.
 *   - Ids returned from next_batch are dispatched: forget them. Ids listed
 *     in `expire_ids` are given up (answered "expired", never run): forget
 *     them too. If the host
 *     refuses an answer (unknown or repeated id, more than batch_limit ids,
 *     or nothing and no wake-up while the backend is idle), it dispatches
 *     oldest-first instead, reports those ids through `removed` with
 *     FERRY_REMOVED_TAKEN_BY_HOST, and announces again through `arrived`
 *     every id of the refused answer that is still queued. `removed` must
 *     therefore tolerate ids the plugin no longer holds. The same happens
 *     when the strategy keeps the oldest item waiting past the host's
 *     starvation bound while a backend slot is free.
 *
 * Plugins are loaded with RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE and never
 * unloaded (unloading Swift code crashes its runtime).
 */
#ifndef FERRY_STRATEGY_H
#define FERRY_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FERRY_STRATEGY_MAGIC 0x46525259u /* "FRRY" */
#define FERRY_STRATEGY_ABI_MAJOR 1u
#define FERRY_STRATEGY_ABI_MINOR 2u
#define FERRY_STRATEGY_ENTRY_SYMBOL "ferry_strategy_entry"

/* "No deadline" and "no wake-up wanted". */
#define FERRY_TIME_NEVER INT64_MAX

/* Why an item left the queue other than by the plugin's own answer. */
typedef enum ferry_removed_reason {
    FERRY_REMOVED_CANCELLED = 1,    /* client went away or cancelled */
    FERRY_REMOVED_EXPIRED = 2,      /* its deadline passed */
    FERRY_REMOVED_TAKEN_BY_HOST = 3 /* the host dispatched it itself */
} ferry_removed_reason;

/* One queued request, as the strategy sees it. */
typedef struct ferry_item {
    uint64_t id;             /* unique for the scheduler's lifetime, increasing with arrival */
    uint32_t client;         /* host-interned client index, stable for the process lifetime; dense: 0, 1, 2 … in order of first appearance */
    int32_t priority;        /* larger is more urgent; 0 by default */
    uint64_t cost;           /* size hint in backend units (characters for the text classifier) */
    int64_t arrival_ns;      /* when the scheduler accepted it */
    int64_t deadline_ns;     /* FERRY_TIME_NEVER when none */
    const char *client_name; /* NUL-terminated; valid only during the call */
    /* 1.1: its own service time (a call of it alone), ns, from the host's cost
     * model. Read it only after attach_host was called (a 1.1 host). */
    int64_t service_ns;
} ferry_item;

/* What a host of ABI 1.1 or later offers a plugin (see attach_host). */
typedef struct ferry_host {
    uint32_t size;  /* sizeof(ferry_host) as the host was built */
    void *context;  /* pass back to the functions below */
    /* The expected time, in ns, of one backend call holding these queued ids
     * (ids that are not queued are left out), from the host's cost model. */
    int64_t (*batch_service_ns)(void *context, const uint64_t *ids, uint32_t count);
    /* The same for a call of `count` items whose largest `cost` is
     * `longest_cost` — what the host's cost model depends on — in O(1): for a
     * strategy that weighs many candidate groups of a sorted queue. */
    int64_t (*call_service_ns)(void *context, uint32_t count, uint64_t longest_cost);
    /* 1.2 (read only when `size` covers it): 1 while the estimates above are
     * only the prior of a law the host learns from the backend's calls and
     * none has been measured yet — a backend never measured, whose costs
     * are a guess; 0 once a call is measured or a kept law is resumed, and
     * always 0 for a law fixed by configuration. */
    int (*law_is_prior)(void *context);
} ferry_host;

/* What next_batch decides. */
typedef struct ferry_decision {
    uint64_t *ids;            /* host buffer with room for batch_limit ids */
    uint32_t count;           /* out: ids written; 0 means "not now" */
    int64_t wake_at_ns;       /* out, when count == 0: ask again at this time, or FERRY_TIME_NEVER */
    uint64_t *expire_ids;     /* host buffer: queued ids the strategy gives up on */
    uint32_t expire_capacity; /* room in expire_ids */
    uint32_t expire_count;    /* out: ids written to expire_ids (they can no longer meet their deadline) */
} ferry_decision;

/* The table a plugin exports. */
typedef struct ferry_strategy {
    uint32_t magic;      /* FERRY_STRATEGY_MAGIC */
    uint32_t abi_major;  /* FERRY_STRATEGY_ABI_MAJOR */
    uint32_t abi_minor;  /* FERRY_STRATEGY_ABI_MINOR */
    uint32_t size;       /* sizeof(ferry_strategy) as the plugin was built */
    const char *name;    /* short name, e.g. "sjf" */

    /* Create an instance from a config string ("key=value,key=value", may be
     * empty). On failure return NULL and write a message into error. */
    void *(*create)(const char *config, char *error, size_t error_len);
    void (*destroy)(void *state);

    void (*arrived)(void *state, const ferry_item *item, int64_t now_ns);
    void (*removed)(void *state, uint64_t id, ferry_removed_reason reason, int64_t now_ns);

    /* Asked when a backend slot is free and the queue is not empty, and when
     * a wake-up the plugin asked for comes due. */
    void (*next_batch)(void *state, int64_t now_ns, uint32_t batch_limit,
                       uint32_t free_slots, ferry_decision *decision);

    /* A dispatched batch finished; service_ns is what the backend took. */
    void (*completed)(void *state, const uint64_t *ids, uint32_t count,
                      int64_t service_ns, int success, int64_t now_ns);

    /* 1.1 (may be NULL): called once by a 1.1+ host, right after create and
     * before any item arrives. `host` lives as long as the instance. */
    void (*attach_host)(void *state, const ferry_host *host);
} ferry_strategy;

/* The table's size in ABI 1.0: the least a host accepts. */
#define FERRY_STRATEGY_SIZE_1_0 offsetof(ferry_strategy, attach_host)

/* The fields every table starts with, filled as the host checks them (in
 * the spirit of PostgreSQL's PG_MODULE_MAGIC): never write them by hand.
 *
 *     static const ferry_strategy table = {
 *         FERRY_STRATEGY_HEADER("mine"),
 *         .create = create, ...
 *     };
 */
#define FERRY_STRATEGY_HEADER(NAME)                                          \
    .magic = FERRY_STRATEGY_MAGIC, .abi_major = FERRY_STRATEGY_ABI_MAJOR,   \
    .abi_minor = FERRY_STRATEGY_ABI_MINOR, .size = sizeof(ferry_strategy),  \
    .name = (NAME)

typedef const ferry_strategy *(*ferry_strategy_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif /* FERRY_STRATEGY_H */
