import Foundation

/// The kinds of fault the chaos soak injects (`--faults`).
public enum FaultKind: String, CaseIterable, Codable, Sendable {
    /// SIGKILL one child (or the model server with `--backend http`).
    case kill
    /// SIGKILL two distinct children, 0–2.5 s apart, so one may land during
    /// the other's restart backoff.
    case kill2
    /// The same with three.
    case kill3
    /// SIGSTOP a child for 1–3 s (shorter than the heartbeat timeout), then SIGCONT.
    case stop
    /// SIGTERM the supervisor and SIGKILL a child 0–300 ms into the drain.
    case drainKill = "drain-kill"
    /// SIGKILL the supervisor: its children must follow it within 10 s.
    case supervisorKill = "supervisor-kill"

    /// Whether the fault stops the whole Ferry, which the soak then restarts.
    public var restartsFerry: Bool { self == .drainKill || self == .supervisorKill }

    /// Parses `--faults kill,stop,…`; an empty list means every kind.
    public static func parse(_ list: [String]) throws -> [FaultKind] {
        let names = list.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { return allCases }
        var kinds: [FaultKind] = []
        for name in names {
            guard let kind = FaultKind(rawValue: name) else {
                throw BenchError.usage("unknown fault kind '\(name)' (have: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds
    }
}
