import Link
import Wire

/// A reactor for unit tests, in the spirit of `NIOEmbedded`: one thread, a
/// clock that moves only when the test says so, timers that fire when it
/// passes them, and in-memory links whose messages wait until the test runs
/// the reactor. Nothing happens behind the test's back, so a test orders
/// events by running them, never by sleeping.
///
/// All the processes of a test (a scheduler, a worker, the test acting as
/// the ingress) share one reactor: their listeners are addresses in it.
public final class EmbeddedReactor: Reactor {
    public private(set) var nowNanoseconds: Int64 = 1_000_000_000
    private var pending: [() -> Void] = []
    private var timers: [EmbeddedTimer] = []
    private var listeners: [String: EmbeddedListener] = [:]

    public init() {}

    public func makeTimer() -> ReactorTimer {
        let timer = EmbeddedTimer(reactor: self)
        timers.append(timer)
        return timer
    }

    public func listen(at address: String, label: String, onAccept: @escaping (MessageLink) -> Void) throws -> LinkListener {
        guard listeners[address] == nil else { throw LinkError("\(address) is already in use") }
        let listener = EmbeddedListener(reactor: self, address: address, onAccept: onAccept)
        listeners[address] = listener
        return listener
    }

    public func connect(to address: String, label: String, completion: @escaping (Result<MessageLink, LinkError>) -> Void) {
        later {
            guard let listener = self.listeners[address] else {
                completion(.failure(LinkError("nothing listens at \(address)")))
                return
            }
            let (near, far) = EmbeddedLink.pair(reactor: self, labels: (label, "\(listener.label)#peer"))
            listener.onAccept(far)
            completion(.success(near))
        }
    }

    /// Opens a link to `address` for the test itself, runs until it is
    /// accepted, and returns the test's end, recording what it receives.
    public func connectPeer(to address: String, label: String = "test") throws -> EmbeddedPeer {
        var result: Result<MessageLink, LinkError>?
        connect(to: address, label: label) { result = $0 }
        run()
        guard let link = try result?.get() else { throw LinkError("connect to \(address) did not complete") }
        return EmbeddedPeer(link)
    }

    /// Accepts links at `address` on behalf of the test (standing in for a
    /// process), each recorded as a peer.
    public func listenAsPeer(at address: String) throws -> EmbeddedPeerListener {
        let recorder = EmbeddedPeerListener()
        recorder.listener = try listen(at: address, label: address) { link in recorder.accepted.append(EmbeddedPeer(link)) }
        return recorder
    }

    /// Delivers everything pending (and what that delivery causes) until quiet.
    /// Timers fire only when the clock passes them: see `advance`.
    public func run() {
        var rounds = 0
        while !pending.isEmpty {
            let work = pending
            pending.removeAll()
            for w in work { w() }
            rounds += 1
            precondition(rounds < 1_000_000, "EmbeddedReactor: work keeps causing work (a livelock)")
        }
    }

    /// Moves the clock forward, firing each timer as its time comes (in time
    /// order) and running what it causes.
    public func advance(byMilliseconds ms: Int64) {
        let end = nowNanoseconds + ms * 1_000_000
        run()
        while let next = timers.filter({ $0.dueNs != nil && $0.dueNs! <= end }).min(by: { $0.dueNs! < $1.dueNs! }) {
            nowNanoseconds = max(nowNanoseconds, next.dueNs!)
            next.fire()
            run()
        }
        nowNanoseconds = end
    }

    /// Work run after the messages pending now, in the same `run()`.
    public func makeDeferredWork() -> DeferredWork {
        EmbeddedDeferredWork(reactor: self)
    }

    /// Queues work for the next `run()`.
    func later(_ work: @escaping () -> Void) {
        pending.append(work)
    }

    func removeListener(_ address: String) {
        listeners[address] = nil
    }

    func forget(_ timer: EmbeddedTimer) {
        timers.removeAll { $0 === timer }
    }
}

/// A timer on the embedded clock.
final class EmbeddedTimer: ReactorTimer {
    private unowned let reactor: EmbeddedReactor
    private(set) var dueNs: Int64?
    private var repeatMs: UInt64 = 0
    private var action: (() -> Void)?

    init(reactor: EmbeddedReactor) {
        self.reactor = reactor
    }

    func start(afterMilliseconds milliseconds: UInt64, repeat: UInt64, _ action: @escaping () -> Void) {
        dueNs = reactor.nowNanoseconds + Int64(milliseconds) * 1_000_000
        repeatMs = `repeat`
        self.action = action
    }

    func stop() {
        dueNs = nil
    }

    func close() {
        dueNs = nil
        action = nil
        reactor.forget(self)
    }

    func fire() {
        guard let due = dueNs else { return }
        dueNs = repeatMs > 0 ? due + Int64(repeatMs) * 1_000_000 : nil
        action?()
    }
}

final class EmbeddedListener: LinkListener {
    private unowned let reactor: EmbeddedReactor
    let address: String
    var label: String { address }
    let onAccept: (MessageLink) -> Void

    init(reactor: EmbeddedReactor, address: String, onAccept: @escaping (MessageLink) -> Void) {
        self.reactor = reactor
        self.address = address
        self.onAccept = onAccept
    }

    func close() {
        reactor.removeListener(address)
    }
}

/// `DeferredWork` on the embedded reactor: the next round of `run()`.
final class EmbeddedDeferredWork: DeferredWork {
    private unowned let reactor: EmbeddedReactor
    private var closed = false

    init(reactor: EmbeddedReactor) { self.reactor = reactor }

    func schedule(_ work: @escaping () -> Void) {
        guard !closed else { return }
        reactor.later { [weak self] in if self?.closed == false { work() } }
    }

    func close() { closed = true }
}
