import LibUV
import Link

/// `DeferredWork` on a libuv loop: an idle handle, started while work waits.
/// Work scheduled in an I/O callback runs in the loop's next idle phase: every
/// read callback of the iteration's poll has run by then, the loop does not
/// block while the handle is started, and the prepare phase after it flushes
/// the writes the work made (`UVStream`).
final class UVDeferredWork: DeferredWork {
    private let idle: UVIdle
    private var work: [() -> Void] = []

    init(idle: UVIdle) { self.idle = idle }

    func schedule(_ work: @escaping () -> Void) {
        guard !idle.isClosing else { return }
        self.work.append(work)
        guard !idle.isActive else { return }
        idle.start { [unowned self] in
            idle.stop()
            let due = self.work
            self.work.removeAll(keepingCapacity: true)
            for w in due { w() }
        }
    }

    func close() {
        work.removeAll()
        idle.close()
    }
}
