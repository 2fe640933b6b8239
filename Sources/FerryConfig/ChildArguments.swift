import ArgumentParser
import FerryLog
import Logging

/// What every child process takes from the supervisor: the one settings file
/// (written once into the 0700 runtime directory, so a setting is declared
/// in the settings table and nowhere else), the control socket, and its
/// wiring: the socket it listens on and the one it connects to (wiring, not
/// settings, so they stay flags).
///
/// A child can be started by hand with a file from `supervisor --print-config`.
public struct ChildArguments: ParsableArguments {
    @Option(help: "Ferry's settings as TOML (the supervisor writes it; `supervisor --print-config` makes one).")
    public var settings: String

    @Option(help: "The supervisor's control socket.")
    public var control: String?

    @Option(help: "The Unix socket to listen on (worker: for the scheduler; scheduler: for the ingress).")
    public var listen: String?

    @Option(help: "The Unix socket to connect to (scheduler: the worker's; ingress: the scheduler's).")
    public var connect: String?

    public init() {}

    /// `--listen` or `--connect`, which this child cannot run without.
    public func required(_ path: KeyPath<ChildArguments, String?>, by process: String) throws -> String {
        guard let value = self[keyPath: path] else {
            let flag = path == \ChildArguments.listen ? "--listen" : "--connect"
            throw ValidationError("\(process) needs \(flag) PATH (a Unix socket)")
        }
        return value
    }

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
