import Wire

/// What the scheduler sent a test peer, sorted by kind.
extension [Message] {
    var batches: [Batch] { compactMap { if case let .batch(b) = $0 { b } else { nil } } }
    var results: [RequestResult] { compactMap { if case let .result(r) = $0 { r } else { nil } } }
}
