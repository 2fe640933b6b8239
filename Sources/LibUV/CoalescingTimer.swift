/// Runs an action once, `delayMilliseconds` after the first `poke()` since it
/// last ran: a burst of changes costs one run. For reports that may lag a
/// little but must not be sent per event (status and metrics to ingress).
///
/// Life: init (a stopped timer on the loop), poke (arms it unless armed),
/// close. The action runs on the loop's thread.
public final class CoalescingTimer {
    private let timer: UVTimer
    private let delay: UInt64
    private let action: () -> Void
    private var armed = false

    public init(loop: UVLoop, delayMilliseconds: UInt64, action: @escaping () -> Void) throws {
        timer = try UVTimer(loop: loop)
        delay = delayMilliseconds
        self.action = action
    }

    /// Something changed: run the action within the delay (once for many pokes).
    public func poke() {
        guard !armed else { return }
        armed = true
        timer.start(afterMilliseconds: delay) { [unowned self] in
            self.armed = false
            self.action()
        }
    }

    public func close() {
        timer.close()
    }
}
