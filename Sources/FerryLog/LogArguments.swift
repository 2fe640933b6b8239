import ArgumentParser
import Logging

/// The log options every child process takes (the supervisor passes its own
/// on), so all of Ferry logs at one level and in one format.
public struct LogArguments: ParsableArguments {
    @Option(help: "Least severe level logged: \(Logger.Level.names).")
    public var logLevel: String = "info"

    @Option(help: "Log lines as 'text' or 'json' (one object per line).")
    public var logFormat: String = "text"

    public init() {}

    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of \(Logger.Level.names), got '\(logLevel)'") }
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be 'text' or 'json', got '\(logFormat)'") }
    }

    /// Installs `FerryLogHandler` with these options.
    public func bootstrap() {
        FerryLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info, format: LogFormat(rawValue: logFormat) ?? .text)
    }
}
