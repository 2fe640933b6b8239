#if canImport(Glibc)
import Glibc
#endif

/// Process-wide signal set-up every Ferry executable does first.
public enum ProcessSignals {
    /// Unblocks every signal and ignores SIGPIPE.
    ///
    /// A process inherits its parent's signal mask: started from a test runner
    /// or a service manager that blocks SIGTERM or SIGCHLD, Ferry would never
    /// see its shutdown signal or its children's deaths. A write to a closed
    /// socket must be an error on that socket, not the death of the process.
    public static func prepare() {
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        signal(SIGPIPE, SIG_IGN)
    }
}
