/// One inference request, whichever face (HTTP or gRPC) it came through.
public struct InferenceRequest: Equatable, Sendable {
    public struct RequestedOutput: Equatable, Sendable {
        public var name: String
        /// Asked for in the binary tensor extension (HTTP only).
        public var binary: Bool
        public init(name: String, binary: Bool = false) {
            self.name = name
            self.binary = binary
        }
    }

    public var id: String?
    public var modelName: String
    public var modelVersion: String?
    public var inputs: [InferenceTensor]
    /// Empty: every output of the model.
    public var outputs: [RequestedOutput]
    /// Triton's `priority` parameter: 0 is the default, 1 the most urgent.
    public var priority: Int64
    /// Triton's `timeout` parameter, in microseconds; nil when not given.
    public var timeoutMicroseconds: Int64?
    /// `binary_data_output`: every output in the binary form (HTTP only).
    public var binaryOutput: Bool

    public init(id: String? = nil, modelName: String, modelVersion: String? = nil, inputs: [InferenceTensor],
                outputs: [RequestedOutput] = [], priority: Int64 = 0, timeoutMicroseconds: Int64? = nil, binaryOutput: Bool = false) {
        self.id = id
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.inputs = inputs
        self.outputs = outputs
        self.priority = priority
        self.timeoutMicroseconds = timeoutMicroseconds
        self.binaryOutput = binaryOutput
    }

    /// Ferry's priority (larger is more urgent, 0 the default) for Triton's
    /// (smaller is more urgent, 0 the default): as if Triton's default level
    /// were 1001, so levels 1…1000 go before the default and later ones after.
    public var ferryPriority: Int32 {
        priority == 0 ? 0 : Int32(clamping: 1001 - priority)
    }

    /// The deadline in Ferry's whole milliseconds (rounded up), or nil.
    public var timeoutMs: UInt32? {
        // Rounded up without `+ 999`, which would overflow at Int64.max (the client's number).
        timeoutMicroseconds.map { UInt32(clamping: max(1, $0 / 1000 + ($0 % 1000 == 0 ? 0 : 1))) }
    }
}

/// A model's answer.
public struct InferenceResponse: Equatable, Sendable {
    public var id: String?
    public var modelName: String
    public var modelVersion: String
    public var outputs: [InferenceTensor]

    public init(id: String?, modelName: String, modelVersion: String, outputs: [InferenceTensor]) {
        self.id = id
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.outputs = outputs
    }
}
