#ifndef FERRY_CLIBUV_SHIM_H
#define FERRY_CLIBUV_SHIM_H
#include <uv.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <signal.h>
#endif

/* prctl is variadic, which Swift cannot call: this fixed-arity wrapper asks
   the kernel to send `signal` to this process when its parent dies. */
static inline int ferry_set_parent_death_signal(int signal) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
#else
    (void)signal;
    return -1;
#endif
}
#endif
