/* A plugin built for an ABI version this host does not speak. */
#include "ferry_strategy.h"

static ferry_strategy table = {
    .magic = FERRY_STRATEGY_MAGIC,
    .abi_major = 99,
    .abi_minor = 0,
    .size = sizeof(ferry_strategy),
    .name = "from-the-future",
};

const ferry_strategy *ferry_strategy_entry(void) { return &table; }
