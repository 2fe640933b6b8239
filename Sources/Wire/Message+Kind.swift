extension Message {
    /// The message's name, for logs.
    public var kindName: String {
        switch self {
        case .hello: "hello"
        case .ready: "ready"
        case .capacity: "capacity"
        case .submit: "submit"
        case .result: "result"
        case .batch: "batch"
        case .batchResult: "batchResult"
        case .cancel: "cancel"
        case .drain: "drain"
        case .ping: "ping"
        case .pong: "pong"
        case .status: "status"
        case .metrics: "metrics"
        case .childExited: "childExited"
        case .challenge: "challenge"
        case .proof: "proof"
        }
    }
}
