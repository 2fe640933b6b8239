import Foundation
import Logging

/// The one swift-log handler of every Ferry process: timestamped lines on
/// standard error, as text or as JSON objects, and optionally a copy to a
/// file (the supervisor's `--log-file`; children's lines reach that file
/// through the supervisor, which reads their standard error).
///
/// Text: `2026-11-23T12:00:00+00:00 info scheduler: [Scheduler] message key=value`
/// JSON: `{"time":"…","level":"info","process":"scheduler","source":"Scheduler","message":"…","key":"value"}`
public struct FerryLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: LogFormat
    /// Shared by every logger of the process: safe, as stdio streams lock
    /// around each call and each line is written by one call.
    nonisolated(unsafe) private let file: UnsafeMutablePointer<FILE>?

    public init(label: String, level: Logger.Level = .info, format: LogFormat = .text, file: UnsafeMutablePointer<FILE>? = nil) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.file = file
    }

    /// Makes this handler the process's logging backend (once per process).
    public static func bootstrap(level: Logger.Level, format: LogFormat, file: UnsafeMutablePointer<FILE>? = nil) {
        // Safe to share for the reason `file` above is: stdio locks each call.
        nonisolated(unsafe) let file = file
        LoggingSystem.bootstrap { FerryLogHandler(label: $0, level: level, format: format, file: file) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let text = Self.line(format: format, level: event.level, process: label, source: event.source, message: "\(event.message)", metadata: all)
        StandardError.write(text)
        if let file {
            fputs(text, file)
            fflush(file)
        }
    }

    /// One formatted line, newline included; also used by the supervisor to
    /// wrap a child's raw output (a crash trace) in the same format.
    public static func line(format: LogFormat, level: Logger.Level, process: String, source: String?, message: String,
                            metadata: Logger.Metadata = [:]) -> String {
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        let keys = metadata.keys.sorted()
        switch format {
        case .text:
            var out = "\(stamp) \(level) \(process): "
            if let source { out += "[\(source)] " }
            out += message
            for key in keys { out += " \(key)=\(metadata[key]!)" }
            return out + "\n"
        case .json:
            var out = "{\"time\":\(jsonQuoted(stamp)),\"level\":\(jsonQuoted(level.rawValue)),\"process\":\(jsonQuoted(process))"
            if let source { out += ",\"source\":\(jsonQuoted(source))" }
            out += ",\"message\":\(jsonQuoted(message))"
            for key in keys where !["time", "level", "process", "source", "message"].contains(key) {
                out += ",\(jsonQuoted(key)):\(jsonQuoted("\(metadata[key]!)"))"
            }
            return out + "}\n"
        }
    }
}
