/*
 * A deliberately bad strategy for the host's tests. The config string picks
 * the misbehaviour: mode=unknown|duplicate|oversized|silent|postpone|expire_unknown|crash.
 * Underneath it keeps a plain arrival-order queue.
 */
#include <stdlib.h>
#include <string.h>
#include "ferry_strategy.h"

enum mode { UNKNOWN, DUPLICATE, OVERSIZED, SILENT, POSTPONE, EXPIRE_UNKNOWN, CRASH };

typedef struct state {
    enum mode mode;
    uint64_t ids[4096];
    size_t head, tail;
} state;

static void *create(const char *config, char *error, size_t error_len) {
    static const char *names[] = {"mode=unknown", "mode=duplicate", "mode=oversized", "mode=silent", "mode=postpone", "mode=expire_unknown", "mode=crash"};
    for (int m = 0; m < 7; m++) {
        if (config && strcmp(config, names[m]) == 0) {
            state *s = calloc(1, sizeof(state));
            s->mode = (enum mode)m;
            return s;
        }
    }
    strncpy(error, "expected mode=unknown|duplicate|oversized|silent|postpone|expire_unknown|crash", error_len - 1);
    return NULL;
}

static void destroy(void *s) { free(s); }

static void arrived(void *p, const ferry_item *item, int64_t now) {
    (void)now;
    state *s = p;
    if (s->tail < 4096) s->ids[s->tail++] = item->id;
}

static void removed(void *p, uint64_t id, ferry_removed_reason reason, int64_t now) {
    (void)reason; (void)now;
    state *s = p;
    for (size_t i = s->head; i < s->tail; i++) if (s->ids[i] == id) s->ids[i] = 0;
}

static void next_batch(void *p, int64_t now, uint32_t limit, uint32_t slots, ferry_decision *d) {
    (void)slots;
    state *s = p;
    d->count = 0;
    d->wake_at_ns = FERRY_TIME_NEVER;
    while (s->head < s->tail && s->ids[s->head] == 0) s->head++;
    if (s->head == s->tail) return;
    switch (s->mode) {
    case UNKNOWN:
        d->ids[0] = 999999; d->count = 1; break;
    case DUPLICATE:
        d->ids[0] = s->ids[s->head]; d->ids[1] = s->ids[s->head]; d->count = limit >= 2 ? 2 : 1;
        if (limit < 2) d->ids[0] = 999999;
        break;
    case OVERSIZED:
        for (uint32_t i = 0; i < limit; i++) d->ids[i] = s->ids[s->head];
        d->count = limit + 1; /* claims one more than the buffer holds */
        break;
    case SILENT:
        break; /* never answers, never asks to be woken */
    case POSTPONE:
        d->wake_at_ns = now + 1000000; /* always "a bit later" */
        break;
    case CRASH:
        abort(); /* takes the scheduler down, as a buggy plugin would */
    case EXPIRE_UNKNOWN:
        if (d->expire_capacity > 0) { d->expire_ids[0] = 424242; d->expire_count = 1; }
        d->ids[0] = s->ids[s->head++]; d->count = 1;
        break;
    }
}

static void completed(void *p, const uint64_t *ids, uint32_t n, int64_t ns, int ok, int64_t now) {
    (void)p; (void)ids; (void)n; (void)ns; (void)ok; (void)now;
}

static const ferry_strategy table = {
    FERRY_STRATEGY_MAGIC, FERRY_STRATEGY_ABI_MAJOR, FERRY_STRATEGY_ABI_MINOR, sizeof(ferry_strategy),
    "misbehaving", create, destroy, arrived, removed, next_batch, completed,
};

const ferry_strategy *ferry_strategy_entry(void) { return &table; }
