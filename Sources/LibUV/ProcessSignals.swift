import CLibUV
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

    /// A child must not outlive its supervisor: if the supervisor is killed
    /// (even with SIGKILL, which it cannot catch), the kernel sends this
    /// process `signal`. The supervisor's pid comes in `FERRY_SUPERVISOR_PID`:
    /// a child whose parent is already another process was orphaned before
    /// it could ask, and exits at once. Outside a supervisor nothing happens.
    public static func dieWithSupervisor(signal: Int32 = SIGKILL) {
        guard let value = getenv("FERRY_SUPERVISOR_PID"), let supervisor = Int32(String(cString: value)) else { return }
        _ = ferry_set_parent_death_signal(signal)
        if getppid() != supervisor { exit(1) }
    }
}
