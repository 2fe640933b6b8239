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
    case ferryOneACall(FerryUpstream = .default)
    /// Ferry with `strategy` in front of Triton with batching off: Ferry
    /// batches, learning the cost law from `prior`.
    case ferry(strategy: String, prior: CostPrior = .neutral, upstream: FerryUpstream = .default)

    /// The table's name for it.
    public var label: String {
        switch self {
        case let .tritonBatcher(delayUs): "Triton dynamic batcher, delay \(delayUs >= 1000 ? "\(delayUs / 1000) ms" : "\(delayUs) µs")"
        case .tritonAlone: "Triton alone, no batching"
        case let .ferryOneACall(upstream): "Ferry, one item a call\(upstream.named) → Triton (batching off)"
        case let .ferry(strategy, .neutral, upstream): "Ferry \(BenchRunner.label(strategy))\(upstream.named) → Triton (batching off)"
        case let .ferry(strategy, .law, upstream): "Ferry \(BenchRunner.label(strategy)), prior: the law\(upstream.named) → Triton (batching off)"
        case let .ferry(strategy, .kept, upstream): "Ferry \(BenchRunner.label(strategy)), law kept from a run before\(upstream.named) → Triton (batching off)"
        }
    }

    /// The same in a file name.
    var fileTag: String {
        switch self {
        case let .ferryOneACall(upstream), let .ferry(_, _, upstream): upstream.fileTag
        default: ""
        }
    }
}

/// How Ferry's worker calls the unbatched Triton in `bench versus`.
public struct FerryUpstream: Sendable, Hashable {
    /// Calls sent ahead to Triton's queue (`--pipeline`).
    public var pipeline: Int
    /// The Triton face the worker calls (`--upstream-protocol`).
    public var face: UpstreamFace

    public init(pipeline: Int = FerryUpstream.default.pipeline, face: UpstreamFace = FerryUpstream.default.face) {
        self.pipeline = pipeline
        self.face = face
    }

    /// Ferry's own default for one upstream that queues calls (the next call
    /// sent just before Triton's instance is predicted free), over gRPC.
    public static let `default` = FerryUpstream(pipeline: 1, face: .grpc)

    /// What differs from the default, for a table's name (empty: nothing).
    var named: String {
        (pipeline == Self.default.pipeline ? "" : ", pipeline \(pipeline)")
            + (face == Self.default.face ? "" : ", over \(face.title)")
    }

    /// The same in a file name.
    var fileTag: String {
        (pipeline == Self.default.pipeline ? "" : "-pipeline-\(pipeline)") + (face == Self.default.face ? "" : "-\(face.rawValue)")
    }
}

/// The Open Inference Protocol face of Triton that Ferry's worker calls.
public enum UpstreamFace: String, Sendable, Hashable {
    case grpc, http

    var title: String {
        switch self {
        case .grpc: "gRPC"
        case .http: "HTTP"
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
    /// The neutral prior, but Ferry resumes the calls it kept in its run
    /// before (`--learned-calls-dir`): a Ferry that served this backend
    /// before it was restarted. Every law it holds it learned; the first run
    /// of a workload is preceded by one that is not counted.
    case kept
}
