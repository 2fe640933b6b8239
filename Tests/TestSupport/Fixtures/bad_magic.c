/* Exports the entry symbol but returns something that is not a Ferry table. */
#include <stdint.h>
static uint32_t not_a_table[16] = { 0xDEADBEEF };
const void *ferry_strategy_entry(void) { return not_a_table; }
