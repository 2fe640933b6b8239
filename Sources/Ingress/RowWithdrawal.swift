import NIOConcurrencyHelpers

/// The rows of one inference request that the scheduler holds, so they can
/// be withdrawn together: when one row fails (the request fails, the others
/// would run for nobody) or when the client gives up (a gRPC call cancelled
/// or past its deadline). A row submitted after the withdrawal is withdrawn
/// at once.
final class RowWithdrawal: Sendable {
    private let scheduler: SchedulerClient
    private let state = NIOLockedValueBox((ids: [UInt64](), reason: String?.none))

    init(scheduler: SchedulerClient) { self.scheduler = scheduler }

    /// Why the rows were withdrawn; nil while they were not.
    var reason: String? { state.withLockedValue { $0.reason } }

    /// A row's request id, as the scheduler client learns it.
    func submitted(_ id: UInt64) {
        let reason = state.withLockedValue { s -> String? in
            s.ids.append(id)
            return s.reason
        }
        if let reason { scheduler.cancel(id, reason: reason) }
    }

    /// Withdraws every row not answered yet (once; later calls do nothing).
    func withdraw(reason: String) {
        let ids = state.withLockedValue { s -> [UInt64] in
            guard s.reason == nil else { return [] }
            s.reason = reason
            return s.ids
        }
        for id in ids { scheduler.cancel(id, reason: reason) }
    }
}
