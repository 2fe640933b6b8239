import Link

/// One child as configuration — what to start and what its life means, as
/// swift-service-lifecycle configures each service. The supervisor itself
/// knows no child by name: it starts the specs in order, each once the one
/// before is ready, and reads everything else from here.
public struct ChildSpec: Sendable {
    /// Its role: its name in logs, `supervisor.json` and metrics, and the
    /// role it must say hello as on the control socket.
    public var role: Role
    public var executable: String
    public var arguments: [String]
    /// When it keeps crashing (a crash signal `RestartPolicy.crashLimit`
    /// times in the window), the foreign code it runs is to blame: restart
    /// it with these arguments added, and say why. Nil: crashes are crashes.
    public var onRepeatedCrashes: (@Sendable (_ crashes: Int, _ signal: Int32) -> (reason: String, arguments: [String]))?
    /// The child told when this one dies, and whether it crashed (the
    /// scheduler, about the worker: it decides what the loss costs).
    public var reportDeathTo: Role?
    /// Whether it serves the supervisor's own metrics samples (the ingress).
    public var servesSupervisorMetrics = false

    public init(role: Role, executable: String, arguments: [String]) {
        self.role = role
        self.executable = executable
        self.arguments = arguments
    }

    public var name: String { role.rawValue }
}
