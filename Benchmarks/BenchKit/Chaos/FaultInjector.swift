import Foundation

/// Carries out planned faults on the Ferry under test, and says what really
/// happened (pids, times, exit status, orphans).
struct FaultInjector {
    let control: FerryControl
    let clock: SoakClock
    let say: @Sendable (String) -> Void

    private func ms() -> Double { Double(clock.nowNs()) / 1e6 }

    /// "   12.3 s", the prefix of every progress line.
    static func stamp(_ ms: Double) -> String { String(format: "%7.1f s", ms / 1000) }
    private func stamp(_ ms: Double) -> String { Self.stamp(ms) }

    func inject(_ plan: FaultSchedule.Planned) async throws -> FaultRecord {
        var record = FaultRecord(kind: plan.kind, atMs: ms(), targets: [])
        switch plan.kind {
        case .kill, .kill2, .kill3:
            var watches: [(index: Int, killedAt: ContinuousClock.Instant, back: Task<ContinuousClock.Instant?, Never>)] = []
            for (i, target) in plan.targets.enumerated() {
                if i > 0 { try? await Task.sleep(for: .milliseconds(plan.spacingsMs[i - 1])) }
                // Re-read the pid before each kill: an earlier kill may have restarted things.
                await kill(target, plan: plan, into: &record)
                // Watch for its return from now on, while the next kills go on schedule.
                if let pid = record.targets.last?.pid, target != FaultSchedule.modelServer {
                    let ferry = control.ferry
                    watches.append((record.targets.count - 1, .now, Task { await ferry.waitBack(target, killed: pid) }))
                }
            }
            for watch in watches {
                if let back = await watch.back.value {
                    let d = back - watch.killedAt
                    record.targets[watch.index].backMs = Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15
                }
            }
        case .stop:
            let target = plan.targets[0]
            let pid = await control.currentPid(of: target)
            record.targets.append(.init(name: target, pid: pid, atMs: ms()))
            if let pid {
                Foundation.kill(pid, SIGSTOP)
                say("\(stamp(ms()))  fault stop: SIGSTOP \(target) (pid \(pid)) for \(plan.holdMs) ms")
                try? await Task.sleep(for: .milliseconds(plan.holdMs))
                Foundation.kill(pid, SIGCONT)
            } else {
                record.notes.append("\(target) was not up to be stopped")
            }
        case .drainKill:
            try await drainKill(plan, into: &record)
        case .supervisorKill:
            try await supervisorKill(into: &record)
        }
        return record
    }

    private func kill(_ target: String, plan: FaultSchedule.Planned, into record: inout FaultRecord) async {
        guard let pid = await control.currentPid(of: target) else {
            record.targets.append(.init(name: target, pid: nil, atMs: ms()))
            record.notes.append("\(target) was not up within 10 s to be killed")
            return
        }
        Foundation.kill(pid, SIGKILL)
        record.targets.append(.init(name: target, pid: pid, atMs: ms()))
        say("\(stamp(ms()))  fault \(plan.kind.rawValue): SIGKILL \(target) (pid \(pid))")
        if target == FaultSchedule.modelServer, let server = control.modelServer {
            // Ferry does not supervise the model server: the soak restarts it,
            // after 0.2–1 s, in the background so the next kill is on time,
            // and notes when it is up again.
            server.kill()
            let after = plan.restartAfterMs, http = control.http, clock = self.clock, killedMs = ms()
            control.outages.begin(atMs: killedMs)
            Task {
                try? await Task.sleep(for: .milliseconds(after))
                try? server.start()
                try? await server.waitUp(http: http)
                control.outages.end(atMs: Double(clock.nowNs()) / 1e6)
            }
        }
    }

    /// SIGTERM the supervisor, SIGKILL a child during its drain, and check
    /// that the supervisor still exits and leaves no child behind.
    private func drainKill(_ plan: FaultSchedule.Planned, into record: inout FaultRecord) async throws {
        let ferry = control.ferry
        var known = Set(ferry.state?.childPids ?? [])
        Foundation.kill(ferry.pid, SIGTERM)
        record.targets.append(.init(name: "supervisor", pid: ferry.pid, atMs: ms()))
        try? await Task.sleep(for: .milliseconds(plan.spacingsMs.first ?? 0))
        let target = plan.targets[0]
        let state = ferry.state
        known.formUnion(state?.childPids ?? [])
        if let pid = state?.pid(of: target) {
            Foundation.kill(pid, SIGKILL)
            record.targets.append(.init(name: target, pid: pid, atMs: ms()))
            say("\(stamp(record.atMs))  fault drain-kill: SIGTERM supervisor (pid \(ferry.pid)), SIGKILL \(target) (pid \(pid)) \(plan.spacingsMs.first ?? 0) ms later")
        } else {
            record.targets.append(.init(name: target, pid: nil, atMs: ms()))
            record.notes.append("\(target) had already stopped when the kill was due")
            say("\(stamp(record.atMs))  fault drain-kill: SIGTERM supervisor (pid \(ferry.pid)); \(target) already stopped")
        }
        if let status = await ferry.waitForExit(within: 60) {
            record.exitStatus = status
            if status != 0 { record.notes.append("the draining supervisor exited with status \(status)") }
        } else {
            record.notes.append("the draining supervisor did not exit within 60 s; killed")
            Foundation.kill(ferry.pid, SIGKILL)
            _ = await ferry.waitForExit(within: 10)
        }
        // Its children are gone once it has exited: anything left is an orphan.
        record.orphans = known.filter(Pids.isAlive).sorted()
        try await finishRestart(known: known, into: &record)
    }

    /// SIGKILL the supervisor: its children must notice and exit within 10 s.
    private func supervisorKill(into record: inout FaultRecord) async throws {
        let ferry = control.ferry
        let known = Set(ferry.state?.childPids ?? [])
        Foundation.kill(ferry.pid, SIGKILL)
        record.targets.append(.init(name: "supervisor", pid: ferry.pid, atMs: ms()))
        say("\(stamp(record.atMs))  fault supervisor-kill: SIGKILL supervisor (pid \(ferry.pid)), children \(known.sorted())")
        _ = await ferry.waitForExit(within: 10)
        record.orphans = await Pids.waitGone(Array(known), within: 10).sorted()
        try await finishRestart(known: known, into: &record)
    }

    private func finishRestart(known: Set<Int32>, into record: inout FaultRecord) async throws {
        if !record.orphans.isEmpty {
            record.notes.append("children still alive after their supervisor was gone: \(record.orphans)")
            say("           ORPHANS \(record.orphans): killing them")
            for pid in record.orphans { Foundation.kill(pid, SIGKILL) }
            _ = await Pids.waitGone(record.orphans, within: 10)
        }
        try await control.restart()
        record.downUntilMs = ms()
        say("\(stamp(ms()))  Ferry ready again (supervisor pid \(control.ferry.pid))")
    }
}
