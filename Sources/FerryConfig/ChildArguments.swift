import ArgumentParser
import FerryLog
import Logging

/// What every child process takes from the supervisor: the one settings file
/// (written once into the 0700 runtime directory, so a setting is declared
/// in the settings table and nowhere else) and the control socket. The
/// socket paths each child needs are wiring, not settings, and stay flags.
///
/// A child can be started by hand with a file from `supervisor --print-config`.
public struct ChildArguments: ParsableArguments {
    @Option(help: "Ferry's settings as TOML (the supervisor writes it; `supervisor --print-config` makes one).")
    public var settings: String

    @Option(help: "The supervisor's control socket.")
    public var control: String?

    public init() {}

    /// The file's settings, validated; the error names the file, line and key.
    public func load() throws(ConfigError) -> Settings {
        var s = Settings()
        try s.load(file: settings)
        try s.validate()
        return s
    }

    /// Loads the settings and installs the log handler at their level and
    /// format; a bad file stops the child with exit status 2 and one line.
    public func start(process name: String) throws -> Settings {
        let loaded: Settings
        do { loaded = try load() } catch {
            StandardError.write("\(name): \(error)\n")
            throw ExitCode(2)
        }
        FerryLogHandler.bootstrap(level: loaded.level, format: loaded.format)
        return loaded
    }
}
