import LibUV
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The end every child process shares: run the loop until the process's
/// logic says it finished, close the loop — a handle still open then is a
/// bug, reported, not hidden — and exit with the logic's status.
public enum ProcessLife {
    /// `start` starts the logic and hands it the call to make when finished.
    public static func run(loop: UVLoop, process: String, logger: Logger,
                           start: (_ finished: @escaping (Int32) -> Void) throws -> Void) throws -> Never {
        var status: Int32 = 0
        try start { code in
            status = code
            loop.stop()
        }
        loop.run()
        let left = loop.close()
        if status == 0 && !left.isEmpty { logger.error("bug: handles left open at exit: \(left.joined(separator: ", "))") }
        logger.info("\(process) exiting (\(status))")
        exit(status)
    }
}
