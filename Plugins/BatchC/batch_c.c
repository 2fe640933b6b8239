/*
 * batch_c — a Ferry strategy plugin in plain C, to show that the ABI is
 * language-neutral: oldest first, filled up to the batch limit (the same
 * policy as the Swift `batch` strategy).
 *
 * Build (from the repository root):
 *   cc -shared -fPIC -O2 -I Sources/StrategyABI/include -o plugins/batch_c.so Plugins/BatchC/batch_c.c
 * Run:
 *   swift run supervisor --strategy plugins/batch_c.so
 *
 * Config: none (any key is refused).
 *
 * The queue is an array in arrival order; a removed id is zeroed where it
 * stands (ids are never 0) and skipped when it reaches the front.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ferry_strategy.h"

typedef struct queue {
    uint64_t *ids;
    size_t head, tail, capacity;
} queue;

static void *create(const char *config, char *error, size_t error_len) {
    if (config && config[strspn(config, " ,")] != '\0') {
        snprintf(error, error_len, "batch_c takes no configuration, got '%s'", config);
        return NULL;
    }
    queue *q = calloc(1, sizeof(queue));
    if (!q) snprintf(error, error_len, "out of memory");
    return q;
}

static void destroy(void *state) {
    queue *q = state;
    if (q) free(q->ids);
    free(q);
}

static void arrived(void *state, const ferry_item *item, int64_t now_ns) {
    (void)now_ns;
    queue *q = state;
    if (q->head > 0 && q->head == q->tail) q->head = q->tail = 0;
    if (q->tail == q->capacity) {
        if (q->head > q->capacity / 2) {  /* reuse the consumed front */
            memmove(q->ids, q->ids + q->head, (q->tail - q->head) * sizeof(uint64_t));
            q->tail -= q->head;
            q->head = 0;
        } else {
            size_t capacity = q->capacity ? q->capacity * 2 : 64;
            uint64_t *ids = realloc(q->ids, capacity * sizeof(uint64_t));
            if (!ids) return; /* out of memory: the host's starvation bound still serves the item */
            q->ids = ids;
            q->capacity = capacity;
        }
    }
    q->ids[q->tail++] = item->id;
}

static void removed(void *state, uint64_t id, ferry_removed_reason reason, int64_t now_ns) {
    (void)reason; (void)now_ns;
    queue *q = state;
    /* A linear scan keeps the example short; removals (cancel, expiry) are rare. */
    for (size_t i = q->head; i < q->tail; i++) {
        if (q->ids[i] == id) { q->ids[i] = 0; return; }
    }
}

static void next_batch(void *state, int64_t now_ns, uint32_t batch_limit, uint32_t free_slots, ferry_decision *d) {
    (void)now_ns; (void)free_slots;
    queue *q = state;
    d->count = 0;
    while (d->count < batch_limit && q->head < q->tail) {
        uint64_t id = q->ids[q->head++];
        if (id != 0) d->ids[d->count++] = id;
    }
    d->wake_at_ns = FERRY_TIME_NEVER;
}

static void completed(void *state, const uint64_t *ids, uint32_t count, int64_t service_ns, int success, int64_t now_ns) {
    (void)state; (void)ids; (void)count; (void)service_ns; (void)success; (void)now_ns;
}

static const ferry_strategy table = {
    FERRY_STRATEGY_HEADER("batch_c"), /* magic, ABI version and size, as the host checks them */
    .create = create,
    .destroy = destroy,
    .arrived = arrived,
    .removed = removed,
    .next_batch = next_batch,
    .completed = completed,
};

const ferry_strategy *ferry_strategy_entry(void) { return &table; }
