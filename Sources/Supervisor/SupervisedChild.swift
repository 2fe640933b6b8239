import LibUV
import Link

/// One child the supervisor owns: its spec, and its current life.
final class SupervisedChild {
    let spec: ChildSpec
    var name: String { spec.name }
    var executable: String { spec.executable }
    var arguments: [String] { spec.arguments }

    var process: UVProcess?
    var control: MessageLink?
    /// Reported ready since its last start.
    var ready = false
    /// Ever reported ready (a child that fails before that is misconfigured).
    var everReady = false
    /// Its recent deaths, for the restart policy.
    var history = RestartHistory()
    /// Restarts so far (for `supervisor.json`).
    var restarts = 0
    /// The supervisor killed it for missing heartbeats: its death counts as a crash.
    var killedForHang = false
    var restartTimer: UVTimer?
    var graceTimer: UVTimer?
    /// Its stdout and stderr pipes while they are open: they can outlive the
    /// child when something it started still holds them.
    var outputs: [ObjectIdentifier: UVPipe] = [:]
    var stopping = false
    /// When the child last answered a heartbeat (or became ready).
    var lastPongNs: Int64 = 0
    /// Extra arguments for the next start (the scheduler's fallback).
    var extraArguments: [String] = []

    init(spec: ChildSpec) {
        self.spec = spec
    }

    var isRunning: Bool { process != nil }
}
