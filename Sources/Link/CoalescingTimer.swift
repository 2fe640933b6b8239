/// Runs an action once, `delayMilliseconds` after the first `poke()` since it
/// last ran: a burst of changes costs one run. For reports that may lag a
/// little but must not be sent per event (status and metrics).
///
/// Life: init (a stopped timer), poke (arms it unless armed), close.
public final class CoalescingTimer {
    private let timer: ReactorTimer
    private let delay: UInt64
    private let action: () -> Void
    private var armed = false

    public init(reactor: Reactor, delayMilliseconds: UInt64, action: @escaping () -> Void) {
        timer = reactor.makeTimer()
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
