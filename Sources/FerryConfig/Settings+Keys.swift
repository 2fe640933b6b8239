import FerryLog
import Foundation
import Logging

extension Settings {
    /// The sections of the config file, in the order `--print-config` writes them.
    static let sections = ["strategy", "server", "backend", "limits", "stream", "logging", "supervisor"]

    /// Every setting: TOML key, flag, type and allowed values.
    static let keys: [SettingKey] = [
        .text("strategy.path", "--strategy", \.strategy) { $0.isEmpty ? "must name a plugin (plugins/NAME.so or a path to a .so)" : nil },
        .strategyOptions("strategy.options", "--strategy-config", \.strategyConfig),

        .text("server.host", "--host", \.host) { $0.isEmpty ? "must not be empty" : nil },
        .int("server.port", "--port", \.port, 0...65535),
        .int("server.grpc_port", "--grpc-port", \.grpcPort, 0...65535),
        .int("server.idle_timeout_s", "--idle-timeout-s", \.idleTimeoutS, 1...Int.max),
        .text("server.api_keys_file", "--api-keys-file", \.apiKeysFile, check: readable),

        .choice("backend.kind", "--backend", \.backend, ["simulated", "http", "oip"]),
        .int("backend.batch_limit", "--batch-limit", \.batchLimit, 1...Int.max),
        .int("backend.concurrency", "--concurrency", \.concurrency, 1...Int.max),
        .int("backend.pipeline", "--pipeline", \.pipeline, 0...64),
        .number("backend.unit_ms", "--unit-ms", \.unitMs, 0...Double.infinity),
        .number("backend.call_ms", "--call-ms", \.callMs, 0...Double.infinity),
        .texts("backend.cost_terms", "--cost-term", \.costTerms) {
            costTermNames.contains($0) ? nil : "must hold cost terms (\(costTermNames.joined(separator: ", "))), got \(jsonQuoted($0))"
        },
        .int("backend.cost_window", "--cost-window", \.costWindow, 0...65_536),
        .text("backend.learned_calls_dir", "--learned-calls-dir", \.learnedCallsDir) { directory($0) },
        .texts("backend.upstreams", "--upstream", \.upstream) {
            $0.hasPrefix("http://") || $0.hasPrefix("https://") || $0.hasPrefix("grpc://")
                ? nil : "must hold http://, https:// or (for kind \"oip\") grpc:// URLs, got \(jsonQuoted($0))"
        },
        .int("backend.timeout_ms", "--upstream-timeout-ms", \.upstreamTimeoutMs, 1...Int.max),
        .int("backend.attempts", "--upstream-attempts", \.upstreamAttempts, 1...Int.max),
        .text("backend.model", "--upstream-model", \.upstreamModel) { $0.isEmpty ? "must name the upstream's model" : nil },
        .text("backend.input", "--upstream-input", \.upstreamInput) { $0.isEmpty ? "must name the model's input tensor" : nil },
        .text("backend.output", "--upstream-output", \.upstreamOutput) { $0.isEmpty ? "must name the model's output tensor" : nil },
        // One text a row: "" ([N]) or ones ("1": [N, 1], as Triton wants for a model with a batch dimension).
        .text("backend.row_shape", "--upstream-row-shape", \.upstreamRowShape) {
            $0.isEmpty || $0.split(separator: ",").allSatisfy({ $0.trimmingCharacters(in: .whitespaces) == "1" })
                ? nil : "must be \"\" (rows of shape [N]) or ones separated by commas (\"1\" for [N, 1]): one text a row, got \(jsonQuoted($0))"
        },
        .text("backend.call_log", "--worker-call-log", \.workerCallLog),
        .text("backend.crash_on", "--crash-on", \.crashOn) { $0.isEmpty ? "must not be empty (leave it out to never crash)" : nil },

        .int("limits.max_queued", "--max-queued", \.maxQueued, 1...Int(UInt32.max)),
        .int("limits.max_queued_per_client", "--max-queued-per-client", \.maxQueuedPerClient, 1...Int(UInt32.max)),
        .int("limits.default_timeout_ms", "--default-timeout-ms", \.defaultTimeoutMs, 0...Int(UInt32.max)),
        .choice("limits.admission", "--admission", \.admission, ["bound", "predictive"]),
        .number("limits.client_rate", "--client-rate", \.clientRate, 0...Double.infinity),
        .int("limits.max_body_bytes", "--max-body-bytes", \.maxBodyBytes, 2...(256 << 20)),
        .int("limits.max_sequence_length", "--max-sequence-length", \.maxSequenceLength, 1...Int.max),
        .choice("limits.item_size", "--item-size", \.itemSize, ["characters", "words", "bytes"]),

        .text("stream.redis", "--redis", \.redis) { redisAddressProblem($0) },
        .text("stream.key", "--stream", \.streamKey) { $0.isEmpty ? "must name a stream" : nil },
        .text("stream.results", "--stream-results", \.streamResults) { $0.isEmpty ? "must name a stream" : nil },
        .text("stream.dead_letter", "--stream-dead-letter", \.streamDeadLetter) { $0.isEmpty ? "must name a stream" : nil },
        .text("stream.group", "--stream-group", \.streamGroup) { $0.isEmpty ? "must name a consumer group" : nil },
        .text("stream.consumer", "--stream-consumer", \.streamConsumer) { $0.isEmpty ? "must name this consumer" : nil },
        .int("stream.in_flight", "--stream-in-flight", \.streamInFlight, 1...100_000),
        .int("stream.claim_idle_ms", "--stream-claim-idle-ms", \.streamClaimIdleMs, 1...Int(Int32.max)),
        .int("stream.max_deliveries", "--stream-max-deliveries", \.streamMaxDeliveries, 1...1000),

        .choice("logging.level", "--log-level", \.logLevel, Logger.Level.allCases.map(\.rawValue)),
        .choice("logging.format", "--log-format", \.logFormat, LogFormat.allCases.map(\.rawValue)),
        .text("logging.file", "--log-file", \.logFile),
        .int("logging.performance_interval_s", "--performance-log-s", \.performanceLogS, 1...Int.max),

        .text("supervisor.runtime_dir", "--runtime-dir", \.runtimeDir) { directory($0) },
        .number("supervisor.heartbeat_timeout_s", "--heartbeat-timeout-s", \.heartbeatTimeoutS, 1...Double.infinity),
        .int("supervisor.max_restarts", "--max-restarts", \.maxRestarts, 0...Int.max),
        .number("supervisor.restart_window_s", "--restart-window-s", \.restartWindowS, 1...Double.infinity),
        .number("supervisor.drain_grace_s", "--drain-grace-s", \.drainGraceS, 0...Double.infinity),
    ]

    /// `CostTerm`'s names (FerryConfig does not depend on the cost model).
    static let costTermNames = ["fixed", "per_item", "longest_squared", "padded", "padded_squared"]

    /// `HOST:PORT`, `[IPv6]:PORT`, a Unix socket path, or `unix://PATH`
    /// (the forms the stream ingress's `RedisAddress` reads).
    static func redisAddressProblem(_ text: String) -> String? {
        if text.hasPrefix("/") || (text.hasPrefix("unix:///") && text.count > 8) { return nil }
        let plain = text.hasPrefix("redis://") ? String(text.dropFirst(8)) : text
        if let colon = plain.lastIndex(of: ":"), colon != plain.startIndex,
           let port = Int(plain[plain.index(after: colon)...]), (1...65535).contains(port) { return nil }
        return "must be HOST:PORT or a Unix socket path (/run/redis.sock, unix:///run/redis.sock), got \(jsonQuoted(text))"
    }

    private static func readable(_ path: String) -> String? {
        FileManager.default.isReadableFile(atPath: path) ? nil : "names \(jsonQuoted(path)), which cannot be read"
    }

    private static func directory(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? nil : "names \(jsonQuoted(path)), which is not a directory"
    }

    /// The parsed log level (valid after `validate()`).
    public var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }
    /// The parsed log format (valid after `validate()`).
    public var format: LogFormat { LogFormat(rawValue: logFormat) ?? .text }
}
