import Link

/// Ferry's children as specs, in start order: the worker, the scheduler
/// (which loads the plugin), the ingress, and the stream ingress when a model
/// names a stream. Every setting reaches them in one file; the socket paths
/// are their wiring.
enum FerryChildren {
    static func specs(configuration c: SupervisorConfiguration, runtime: RuntimeDirectory, settingsFile: String) -> [ChildSpec] {
        let common = ["--settings", settingsFile, "--control", runtime.socket("control")]
        func spec(_ role: Role, _ wiring: [String]) -> ChildSpec {
            ChildSpec(role: role, executable: "\(c.executableDirectory)/\(role.rawValue)", arguments: common + wiring)
        }
        var worker = spec(.worker, ["--listen", runtime.socket("worker")])
        worker.reportDeathTo = .scheduler
        var scheduler = spec(.scheduler, ["--listen", runtime.socket("scheduler"), "--connect", runtime.socket("worker")])
        let strategy = c.strategyPath
        // A crash signal in the scheduler is most likely the strategy plugin:
        // after a few, run on the built-in oldest-first rather than crash-loop.
        scheduler.onRepeatedCrashes = { crashes, signal in
            let reason = "strategy \(strategy) crashed the scheduler \(crashes) times (last: signal \(signal)); running on the built-in oldest-first"
            return (reason, ["--fallback-reason", reason])
        }
        var ingress = spec(.ingress, ["--connect", runtime.socket("scheduler")])
        ingress.servesSupervisorMetrics = true
        guard roles(c).contains(.streamer) else { return [worker, scheduler, ingress] }
        return [worker, scheduler, ingress, spec(.streamer, ["--connect", runtime.socket("scheduler")])]
    }

    static func roles(_ c: SupervisorConfiguration) -> [Role] {
        let streams = c.settings.servedModels.contains { $0.settings.streamKey != nil }
        return streams ? [.worker, .scheduler, .ingress, .streamer] : [.worker, .scheduler, .ingress]
    }
}
