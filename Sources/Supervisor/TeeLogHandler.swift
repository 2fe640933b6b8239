import Foundation
import Logging

/// A swift-log handler that writes each line, timestamped, to standard error
/// and to the `--log-file` as well (the children's lines reach the file
/// through the supervisor's `LinePrefixer`).
public struct TeeLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let file: UnsafeMutablePointer<FILE>?

    public init(label: String, file: UnsafeMutablePointer<FILE>?) {
        self.label = label
        self.file = file
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                    file _: String, function _: String, line _: UInt) {
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withInternetDateTime])
        let text = "\(stamp) \(level) \(label): [\(source)] \(message)\n"
        fputs(text, stderr)
        if let file {
            fputs(text, file)
            fflush(file)
        }
    }
}
