import Foundation

/// Runs `scheduler check-strategy` — the plugin is loaded in that short-lived
/// child, never in the supervisor, which must not run foreign code.
enum StrategyCheck {
    /// Nil when the plugin loads with these options, else its one-line refusal.
    static func run(scheduler: String, strategy: String, options: String) -> String? {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: scheduler)
        check.arguments = ["check-strategy", strategy, "--options", options]
        let errors = Pipe()
        check.standardError = errors
        check.standardOutput = FileHandle.nullDevice
        do { try check.run() } catch {
            return "cannot run \(scheduler) to check strategy \(strategy): \(error)"
        }
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        guard check.terminationStatus != 0 || check.terminationReason != .exit else { return nil }
        let line = said.split(separator: "\n").first.map(String.init)
        if check.terminationReason == .uncaughtSignal {
            return "strategy \(strategy) crashed the scheduler while loading (signal \(check.terminationStatus))"
        }
        return line ?? "strategy \(strategy): refused (the check exited with \(check.terminationStatus))"
    }
}
