import Foundation

/// A Python script of the repository (a standard client such as
/// tritonclient driving Ferry), run to its end with a bound on time.
public enum PythonScript {
    public typealias Outcome = HostCommand.Outcome

    /// Runs `python3 <repository>/<path> arguments…`; kills it after `seconds`.
    public static func run(_ path: String, _ arguments: [String], within seconds: Double = 300) async throws -> Outcome {
        try await HostCommand.run("python3", [Repository.root.appendingPathComponent(path).path] + arguments, within: seconds)
    }
}
