/// One system `bench versus` sends the trace to; every one runs the same
/// model function in the same Triton.
public enum VersusSystem: Sendable, Equatable, Hashable {
    /// Triton's own dynamic batcher, waiting up to `delayUs` for a fuller batch.
    case tritonBatcher(delayUs: Int)
    /// Triton with batching off, each request sent to it alone (one item a call).
    case tritonAlone
    /// Ferry with `strategy` in front of Triton with batching off: Ferry batches.
    case ferry(strategy: String)

    /// The table's name for it.
    public var label: String {
        switch self {
        case let .tritonBatcher(delayUs): "Triton dynamic batcher, delay \(delayUs >= 1000 ? "\(delayUs / 1000) ms" : "\(delayUs) µs")"
        case .tritonAlone: "Triton alone, no batching"
        case let .ferry(strategy): "Ferry \(BenchRunner.label(strategy)) → Triton (batching off)"
        }
    }
}
