/* A plugin as it was built against ABI 1.0: its table ends after `completed`
 * and its items have no `service_ns`. Right behind the table sits a trap
 * where 1.1's `attach_host` would be: a host that read past `size` would
 * call it and abort. Oldest first, up to the batch limit. */
#include <stdlib.h>
#include "ferry_strategy.h"

#define CAPACITY 4096
typedef struct { uint64_t ids[CAPACITY]; size_t head, tail; } state_t;

static void *create(const char *config, char *error, size_t error_len) {
    (void)config; (void)error; (void)error_len;
    return calloc(1, sizeof(state_t));
}
static void destroy(void *s) { free(s); }
static void arrived(void *s, const ferry_item *item, int64_t now) {
    (void)now;
    state_t *st = s;
    st->ids[st->tail++ % CAPACITY] = item->id; /* reads 1.0 fields only */
}
static void removed(void *s, uint64_t id, ferry_removed_reason reason, int64_t now) {
    (void)s; (void)id; (void)reason; (void)now; /* the host re-checks every id */
}
static void next_batch(void *s, int64_t now, uint32_t limit, uint32_t free_slots, ferry_decision *d) {
    (void)now; (void)free_slots;
    state_t *st = s;
    d->count = 0;
    while (d->count < limit && st->head < st->tail) d->ids[d->count++] = st->ids[st->head++ % CAPACITY];
    d->wake_at_ns = FERRY_TIME_NEVER;
}
static void completed(void *s, const uint64_t *ids, uint32_t count, int64_t service_ns, int success, int64_t now) {
    (void)s; (void)ids; (void)count; (void)service_ns; (void)success; (void)now;
}
static void trap(void *s, const ferry_host *host) { (void)s; (void)host; abort(); }

/* The 1.0 layout: ferry_strategy without what 1.1 appended. */
struct table_1_0 {
    uint32_t magic, abi_major, abi_minor, size;
    const char *name;
    void *(*create)(const char *, char *, size_t);
    void (*destroy)(void *);
    void (*arrived)(void *, const ferry_item *, int64_t);
    void (*removed)(void *, uint64_t, ferry_removed_reason, int64_t);
    void (*next_batch)(void *, int64_t, uint32_t, uint32_t, ferry_decision *);
    void (*completed)(void *, const uint64_t *, uint32_t, int64_t, int, int64_t);
};

static const struct { struct table_1_0 table; void (*after)(void *, const ferry_host *); } blob = {
    { FERRY_STRATEGY_MAGIC, FERRY_STRATEGY_ABI_MAJOR, 0, sizeof(struct table_1_0), "old-1.0",
      create, destroy, arrived, removed, next_batch, completed },
    trap,
};

const ferry_strategy *ferry_strategy_entry(void) {
    _Static_assert(sizeof(struct table_1_0) == FERRY_STRATEGY_SIZE_1_0, "the 1.0 layout is 1.1's prefix");
    return (const ferry_strategy *)&blob.table;
}
