/* The ABI is header-only; this file exists so SwiftPM builds the target. */
#include "ferry_strategy.h"
