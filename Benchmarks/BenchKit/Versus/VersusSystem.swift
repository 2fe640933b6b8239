/// One system `bench versus` sends the trace to; every one runs the same
/// model function in the same Triton.
public enum VersusSystem: Sendable, Equatable, Hashable {
    /// Triton's own dynamic batcher, waiting up to `delayUs` for a fuller batch.
    case tritonBatcher(delayUs: Int)
    /// Triton with batching off, each request sent to it alone (one item a call).
    case tritonAlone
    /// Ferry sending each item alone (`fifo`, a batch limit of 1) to the
    /// unbatched Triton: what Ferry's hops cost with no batching at all, the
    /// yardstick for whether its batching pays (a strategy that knows when
    /// batching does not pay is never worse than this).
    /// Ferry's systems send `pipeline` calls ahead to Triton's queue
    /// (`--pipeline`); the default, 1, goes unnamed.
    case ferryOneACall(pipeline: Int = VersusSystem.defaultPipeline)
    /// Ferry with `strategy` in front of Triton with batching off: Ferry
    /// batches, learning the cost law from `prior`.
    case ferry(strategy: String, prior: CostPrior = .neutral, pipeline: Int = VersusSystem.defaultPipeline)

    /// Ferry's own default for one upstream that queues calls: the next call
    /// is sent just before Triton's instance is predicted free.
    public static let defaultPipeline = 1

    /// The table's name for it.
    public var label: String {
        switch self {
        case let .tritonBatcher(delayUs): "Triton dynamic batcher, delay \(delayUs >= 1000 ? "\(delayUs / 1000) ms" : "\(delayUs) µs")"
        case .tritonAlone: "Triton alone, no batching"
        case let .ferryOneACall(pipeline): "Ferry, one item a call\(Self.named(pipeline)) → Triton (batching off)"
        case let .ferry(strategy, .neutral, pipeline): "Ferry \(BenchRunner.label(strategy))\(Self.named(pipeline)) → Triton (batching off)"
        case let .ferry(strategy, .law, pipeline): "Ferry \(BenchRunner.label(strategy)), prior: the law\(Self.named(pipeline)) → Triton (batching off)"
        }
    }

    /// The pipeline depth in a name, where it is not the default.
    static func named(_ pipeline: Int) -> String { pipeline == defaultPipeline ? "" : ", pipeline \(pipeline)" }

    /// The same in a file name.
    var fileTag: String {
        switch self {
        case let .ferryOneACall(pipeline), let .ferry(_, _, pipeline): pipeline == Self.defaultPipeline ? "" : "-pipeline-\(pipeline)"
        default: ""
        }
    }
}

/// What Ferry believes of the cost before its first call, in `bench versus`;
/// the calls' measurements replace it either way.
public enum CostPrior: String, Sendable, Hashable {
    /// 5 ms a call, whatever it holds: what Ferry knows, it learned.
    case neutral
    /// The workload's own law (the seed's `unit_ms × longest²`, the fixed
    /// cost a call): the prior the issue configures for the seed's model.
    /// MiniLM has no law to state; there it is the neutral one.
    case law
}
