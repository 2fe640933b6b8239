import AsyncHTTPClient
import Foundation
import SeedModel
import Simulation

/// Which of Ferry's faces a live run drives: the seed's `/proxy_classify`
/// (the default), or the Open Inference Protocol over HTTP or gRPC. Each
/// request of the trace stays one text whatever the face: one JSON body,
/// one one-row `infer` request, one one-row `ModelInfer` call.
public enum LiveProtocol: String, CaseIterable, Sendable, Codable {
    case seed
    case oipHTTP = "oip-http"
    case oipGRPC = "oip-grpc"

    /// Parses a `--protocol` value.
    public init(argument: String) throws {
        guard let p = LiveProtocol(rawValue: argument.lowercased()) else {
            throw BenchError.usage("unknown protocol '\(argument)' (have: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = p
    }

    /// The model the Open Inference Protocol faces ask for.
    public static let model = "classifier"

    /// The output they read: the classifier's label, or the MiniLM model's embedding.
    static func output(for texts: Workload.Texts) -> String { texts == .words ? "EMBEDDING" : "LABEL" }

    /// Runs `body` with this protocol's face to `endpoint`, ready to send;
    /// closes whatever it opened (a gRPC client's connections) afterwards.
    /// `http` is the runner's client, shared by the HTTP faces.
    func withFace<T: Sendable>(endpoint: LiveEndpoint, http: HTTPClient, texts: Workload.Texts = .marked,
                               _ body: (any LiveFace) async throws -> T) async throws -> T {
        let output = Self.output(for: texts)
        switch self {
        case .seed: return try await body(SeedFace(http: http, base: endpoint.httpBase))
        case .oipHTTP: return try await body(OIPHTTPFace(http: http, base: endpoint.httpBase, model: Self.model, output: output))
        case .oipGRPC: return try await OIPGRPCFace.with(host: endpoint.grpcHost, port: endpoint.grpcPort, model: Self.model,
                                                         output: output, body)
        }
    }
}

/// Where a live run sends: the HTTP base URL (seed route and OIP over
/// HTTP) and the gRPC face's address.
public struct LiveEndpoint: Sendable {
    public var httpBase: String
    public var grpcHost: String
    public var grpcPort: Int

    public init(httpBase: String, grpcHost: String, grpcPort: Int) {
        self.httpBase = httpBase
        self.grpcHost = grpcHost
        self.grpcPort = grpcPort
    }

    /// The endpoint `--url` names for `protocol`: a base URL for the HTTP
    /// faces; for gRPC `HOST:PORT` (a scheme and a trailing slash are ignored).
    public static func parse(_ url: String, for protocol: LiveProtocol) throws -> LiveEndpoint {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        guard `protocol` == .oipGRPC else { return LiveEndpoint(httpBase: base, grpcHost: "", grpcPort: 0) }
        var address = Substring(base)
        if let scheme = address.range(of: "://") { address = address[scheme.upperBound...] }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (1...65535).contains(port), colon > address.startIndex else {
            throw BenchError.usage("--url for --protocol oip-grpc must be HOST:PORT of the gRPC face, got '\(url)'")
        }
        return LiveEndpoint(httpBase: "", grpcHost: String(address[..<colon]), grpcPort: port)
    }
}

/// What one live request came back as.
public struct LiveAnswer: Sendable, Equatable {
    /// How the record counts it (a wrong label is `.failed`).
    public var outcome: Simulator.Record.Outcome
    /// The protocol's own word for it: "200", "429", "OK", "RESOURCE_EXHAUSTED",
    /// "connection error", …
    public var status: String
    /// The label answered (nil unless the request succeeded).
    public var label: String?

    public init(outcome: Simulator.Record.Outcome, status: String, label: String? = nil) {
        self.outcome = outcome
        self.status = status
        self.label = label
    }
}

/// One face of a server, as the live runner sees it: a text in, an answer
/// out. Never throws: every failure is an answer (a status and `.failed`).
protocol LiveFace: Sendable {
    func classify(_ text: String, client: String, timeoutMs: Int?) async -> LiveAnswer
}

/// The texts a live run sends and the labels they must get back.
public enum LiveTexts {
    /// The text of request `index` of `length` code points: `x`s, every
    /// other one opening with `{` so both labels occur (the length, all the
    /// simulated backend and the reference model server charge for, is kept).
    public static func text(index: Int, length: Int) -> String {
        guard length > 0 else { return "" }
        return (index % 2 == 1 ? "{" : "x") + String(repeating: "x", count: length - 1)
    }

    /// Common English words, each one token of all-MiniLM-L6-v2's vocabulary.
    static let vocabulary = ["the", "weather", "train", "was", "late", "and", "city", "river", "people", "water", "house",
                             "school", "music", "book", "world", "day", "time", "work", "family", "road", "night", "morning",
                             "small", "large", "green", "old", "new", "good", "long", "short", "from", "with", "over", "into"]

    /// A text of `tokens` tokens for the MiniLM model (its `[CLS]` and `[SEP]`
    /// included): `tokens - 2` words, a different sequence for each index.
    public static func words(index: Int, tokens: Int) -> String {
        (0..<max(1, tokens - 2)).map { vocabulary[(index &* 7 &+ $0 &* 13 &+ $0 / vocabulary.count) % vocabulary.count] }
            .joined(separator: " ")
    }

    /// The text of request `index` for a workload's texts.
    public static func text(index: Int, length: Int, texts: Workload.Texts) -> String {
        texts == .words ? words(index: index, tokens: length) : text(index: index, length: length)
    }

    /// What a right answer is: the seed's label, or "embedding" (see `embeddingLabel`).
    public static func expected(_ text: String, texts: Workload.Texts) -> String {
        texts == .words ? "embedding" : expectedLabel(text)
    }

    /// The seed's rule (Ferry's simulated backend, the reference model server):
    /// "code" when the text contains `;`, `{`, `}`, `def ` or `class `. The
    /// same `TextClassifier` the simulated backend answers with, so a live run
    /// on it checks Ferry's routing of answers, not the rule (its unit tests
    /// and the Python servers' runs check that).
    public static func expectedLabel(_ text: String) -> String {
        TextClassifier.label(for: text)
    }

    /// "embedding" for one or more rows of 384 floats of unit length (what
    /// MiniLM answers), "bad embedding" for anything else.
    public static func embeddingLabel(_ values: [Float]) -> String {
        guard !values.isEmpty, values.count % 384 == 0 else { return "bad embedding" }
        for row in stride(from: 0, to: values.count, by: 384) {
            let norm = values[row..<(row + 384)].reduce(0) { $0 + $1 * $1 }
            if abs(norm - 1) > 0.01 { return "bad embedding" }
        }
        return "embedding"
    }
}

/// What a live run's answers were, by the protocol's status, and how many
/// successful answers carried the wrong label.
public struct LiveTally: Sendable, Codable, Equatable {
    public var `protocol`: LiveProtocol
    public var statuses: [String: Int] = [:]
    public var rightLabels = 0
    public var wrongLabels = 0

    public init(protocol: LiveProtocol) { self.protocol = `protocol` }

    mutating func add(_ answer: LiveAnswer, expected: String) {
        statuses[answer.status, default: 0] += 1
        guard let label = answer.label else { return }
        if label == expected { rightLabels += 1 } else { wrongLabels += 1 }
    }

    /// One line for the report: `oip-grpc: 50 answered, 50 right, 0 wrong; OK 50`.
    public var line: String {
        let total = statuses.values.reduce(0, +)
        let byStatus = statuses.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(`protocol`.rawValue): \(total) sent, \(rightLabels) right label, \(wrongLabels) wrong label; by status: \(byStatus)"
    }
}
