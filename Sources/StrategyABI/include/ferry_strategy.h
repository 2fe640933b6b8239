/*
 * ferry_strategy.h — the whole contract between Ferry and a scheduling
 * strategy plugin (ABI version 1.0).
 *
 * A plugin is a shared library that exports ONE symbol:
 *
 *     const ferry_strategy *ferry_strategy_entry(void);
 *
 * returning a table that lives as long as the process. The host checks
 * `magic`, `abi_major` (must equal FERRY_STRATEGY_ABI_MAJOR), and `size`
 * (at least sizeof(ferry_strategy) of the major version it knows) before it
 * calls anything else, and refuses the file with one line naming it and the
 * mismatch otherwise. Minor versions only append fields; a host reads just
 * the prefix it knows.
 *
 * Rules for every call:
 *   - All calls come from one thread; a plugin needs no locks.
 *   - `now` is nanoseconds on the host's monotonic clock (virtual in the
 *     bench's simulator). A plugin must never read a clock itself, or the
 *     same plugin would behave differently in simulation and live.
 *   - A plugin sees ids, clients, costs and times — never payloads.
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
#define FERRY_STRATEGY_ABI_MINOR 0u
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
    uint32_t client;         /* host-interned client index, stable for the process lifetime */
    int32_t priority;        /* larger is more urgent; 0 by default */
    uint64_t cost;           /* size hint in backend units (characters for the text classifier) */
    int64_t arrival_ns;      /* when the scheduler accepted it */
    int64_t deadline_ns;     /* FERRY_TIME_NEVER when none */
    const char *client_name; /* NUL-terminated; valid only during the call */
} ferry_item;

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
} ferry_strategy;

typedef const ferry_strategy *(*ferry_strategy_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif /* FERRY_STRATEGY_H */
