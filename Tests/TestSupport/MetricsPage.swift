import AsyncHTTPClient
import Foundation
import NIOCore

/// A `/metrics` page parsed as Prometheus text: every sample by its name and
/// labels as written (`ferry_requests_total{client="A",status="200"}`).
public struct MetricsPage: Sendable {
    public let text: String
    public let samples: [String: Double]
    /// Lines that are neither comments nor `name{labels} value`.
    public let malformed: [String]

    public init(text: String) {
        self.text = text
        var samples: [String: Double] = [:]
        var malformed: [String] = []
        let line = #/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+]+|NaN|\+Inf)$/#
        for row in text.split(separator: "\n") where !row.hasPrefix("#") {
            guard let m = try? line.wholeMatch(in: String(row)), let value = Double(m.3) else {
                malformed.append(String(row))
                continue
            }
            samples[String(m.1) + String(m.2 ?? "")] = value
        }
        self.samples = samples
        self.malformed = malformed
    }

    public subscript(_ name: String) -> Double? { samples[name] }
}

extension FerryInstance {
    /// `/metrics`, fetched again until `ready` holds (bounded): the other
    /// processes' samples reach the ingress within about a second of a change.
    public func metrics(via http: HTTPClient, within seconds: Double = 20,
                        until ready: (MetricsPage) -> Bool = { _ in true }) async throws -> MetricsPage {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let body = try await http.get(url: "\(baseURL)/metrics").get().body ?? ByteBuffer()
            let page = MetricsPage(text: String(buffer: body))
            if ready(page) || Date() >= deadline { return page }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
