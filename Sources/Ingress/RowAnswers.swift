import NIOConcurrencyHelpers
import Wire

/// The answers to one request's rows as they come (from any thread, in any
/// order); the last one hands them all over, in row order, exactly once.
final class RowAnswers: Sendable {
    private struct State {
        var results: [RequestResult?]
        var missing: Int
    }

    private let state: NIOLockedValueBox<State>
    private let complete: @Sendable ([RequestResult]) -> Void

    init(count: Int, complete: @escaping @Sendable ([RequestResult]) -> Void) {
        state = NIOLockedValueBox(State(results: Array(repeating: nil, count: count), missing: count))
        self.complete = complete
    }

    func answered(_ row: Int, _ result: RequestResult) {
        let all = state.withLockedValue { s -> [RequestResult]? in
            guard s.results[row] == nil else { return nil }  // a row answers once
            s.results[row] = result
            s.missing -= 1
            return s.missing == 0 ? s.results.map { $0! } : nil
        }
        if let all { complete(all) }
    }
}
