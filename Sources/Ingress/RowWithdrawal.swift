import NIOConcurrencyHelpers
import Wire

/// The rows of one inference request that the scheduler holds, so they can
/// be withdrawn together: when one row fails (the request fails, the others
/// would run for nobody) or when the client gives up (its connection closed,
/// a gRPC call cancelled or past its deadline). A row submitted after the
/// withdrawal is withdrawn at once.
final class RowWithdrawal: Sendable {
    private struct State {
        var submitted: [UInt64] = []
        /// The rows this withdrew (not ones answered before it came).
        var withdrawn: Set<UInt64> = []
        var reason: String?
        var status: Status = .unavailable
    }

    private let scheduler: SchedulerClient
    private let state = NIOLockedValueBox(State())

    init(scheduler: SchedulerClient) { self.scheduler = scheduler }

    /// Whether the answer for `id` is this withdrawal's, not the scheduler's.
    func wasWithdrawn(_ id: UInt64) -> Bool { state.withLockedValue { $0.withdrawn.contains(id) } }

    /// A row's request id, as the scheduler client learns it.
    func submitted(_ id: UInt64) {
        let why = state.withLockedValue { s -> (String, Status)? in
            s.submitted.append(id)
            return s.reason.map { ($0, s.status) }
        }
        if let (reason, status) = why { withdraw([id], reason: reason, status: status) }
    }

    /// Withdraws every row not answered yet (once; later calls do nothing),
    /// each answered `status`: `.unavailable` for a client that gave up,
    /// `.expired` for a deadline that passed.
    func withdraw(reason: String, status: Status = .unavailable) {
        let ids = state.withLockedValue { s -> [UInt64] in
            guard s.reason == nil else { return [] }
            s.reason = reason
            s.status = status
            return s.submitted
        }
        withdraw(ids, reason: reason, status: status)
    }

    private func withdraw(_ ids: [UInt64], reason: String, status: Status) {
        for id in ids {
            // Marked before the cancel answers the row's waiter, unmarked if it was answered already.
            state.withLockedValue { _ = $0.withdrawn.insert(id) }
            if !scheduler.cancel(id, reason: reason, status: status) { state.withLockedValue { _ = $0.withdrawn.remove(id) } }
        }
    }
}
