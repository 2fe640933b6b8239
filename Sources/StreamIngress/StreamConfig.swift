import CostModel
import FerryConfig
import Redis
#if canImport(Glibc)
import Glibc
#endif

/// One stream the stream ingress reads, resolved from a model's settings:
/// where it is, who reads it, where answers and failures go.
public struct StreamConfig: Sendable, Equatable {
    public var model: String
    public var redis: RedisAddress
    public var key: String
    public var results: String
    public var deadLetter: String
    public var group: String
    public var consumer: String
    public var inFlight: Int
    public var claimIdleMs: Int
    public var maxDeliveries: Int
    /// What an entry's size (its cost for the scheduler) counts.
    public var itemSize: ItemSize
    /// The deadline each entry's request gets (0: none).
    public var timeoutMs: UInt32

    /// Every served model that names a stream, in model order.
    public static func all(from settings: Settings) throws(RedisError) -> [StreamConfig] {
        var streams: [StreamConfig] = []
        for m in settings.servedModels {
            let s = m.settings
            guard let key = s.streamKey else { continue }
            guard let text = s.redis, let redis = RedisAddress(text) else {
                throw RedisError("model \(m.name): stream \(key) needs stream.redis as HOST:PORT or a socket path, got \(s.redis ?? "none")")
            }
            streams.append(StreamConfig(model: m.name, redis: redis, key: key, results: s.streamResults ?? "\(key):results",
                                deadLetter: s.streamDeadLetter ?? "\(key):dead", group: s.streamGroup,
                                consumer: s.streamConsumer ?? hostName(), inFlight: s.streamInFlight,
                                claimIdleMs: s.streamClaimIdleMs, maxDeliveries: s.streamMaxDeliveries,
                                itemSize: ItemSize(rawValue: s.itemSize) ?? .characters, timeoutMs: UInt32(s.defaultTimeoutMs)))
        }
        return streams
    }

    /// The consumer name that stays the same across restarts on one host, so
    /// a restarted stream ingress finds its own unanswered entries first.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "ferry" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "ferry" : name
    }
}
