import LibUV
import FerryConfig
import Logging
import Wire
import Link
import LinkUV
#if canImport(Glibc)
import Glibc
#endif

/// The supervisor: owns the runtime directory, starts worker, scheduler and
/// ingress in that order (each after the previous reported ready), prefixes
/// their logs with their names, restarts a child that dies (with backoff and
/// a restart-intensity limit), and on SIGINT/SIGTERM drains them in reverse
/// order and exits 0. It is the one owner of Ferry's shutdown: children run in
/// their own sessions, so a terminal's Ctrl-C reaches only the supervisor.
public final class Supervisor {
    private enum Phase { case starting, running, stopping }

    private let configuration: SupervisorConfiguration
    private var logger: Logger
    private let loop: UVLoop
    private let runtime: RuntimeDirectory
    private var children: [SupervisedChild] = []
    private var controlServer: LinkListener?
    private var pendingControl: [ObjectIdentifier: MessageLink] = [:]
    private var signals: [UVSignal] = []
    private var phase = Phase.starting
    private var exitCode: Int32 = 0
    private var startedAt: Int64 = 0
    private var heartbeat: UVTimer?
    private var pingSequence: UInt64 = 0
    private var lastHeartbeatNs: Int64 = 0
    private let metrics: SupervisorMetrics
    /// The latest samples each process sent, by source.
    private var latestMetrics: [String: Message] = [:]
    /// The children's lines go to these (each line is flushed at once). Own
    /// streams on descriptors 1 and 2: C's `stdout`/`stderr` globals cannot be
    /// named from Swift 6 code.
    private let standardOutput = fdopen(STDOUT_FILENO, "w")!
    private let standardError = fdopen(STDERR_FILENO, "w")!

    /// Prepares the runtime directory and checks the children's executables.
    public init(configuration: SupervisorConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        metrics = SupervisorMetrics(children: FerryChildren.roles(configuration).map(\.rawValue))
        for name in FerryChildren.roles(configuration).map(\.rawValue) {
            let path = "\(configuration.executableDirectory)/\(name)"
            guard access(path, X_OK) == 0 else { throw SupervisorError.missingExecutable(child: name, path: path) }
        }
        loop = try UVLoop()
        runtime = try RuntimeDirectory(base: configuration.settings.runtimeDir)
    }

    /// The private directory holding the sockets.
    public var runtimePath: String { runtime.path }

    /// Runs until Ferry has stopped; returns the process exit code.
    public func run() -> Int32 {
        startedAt = UVLoop.nowNanoseconds()
        let settingsFile: String
        do {
            settingsFile = try writeSettings()
            try listenForChildren()
            try watchSignals()
        } catch {
            logger.critical("\(error)")
            runtime.remove()
            return 1
        }
        children = FerryChildren.specs(configuration: configuration, runtime: runtime, settingsFile: settingsFile).map(SupervisedChild.init)
        // Children compare their parent with this to know they were not orphaned before they could arm PDEATHSIG.
        setenv("FERRY_SUPERVISOR_PID", "\(getpid())", 1)
        publishState()
        logger.info("runtime directory \(runtime.path); strategy \(configuration.strategyPath)")
        startHeartbeat()
        start(children[0])
        loop.run()
        // Every handle was closed on the way out; one still open is a bug, reported, not hidden.
        let left = loop.close()
        if exitCode == 0 && !left.isEmpty { logger.error("bug: handles left open at exit: \(left.joined(separator: ", "))") }
        runtime.remove()
        return exitCode
    }

    // MARK: - Children

    /// Writes the children's settings file (mode 0600, in the 0700 directory).
    private func writeSettings() throws -> String {
        var settings = configuration.settings
        settings.strategy = configuration.strategyPath
        // Learned calls outlive the scheduler at least: a restarted one resumes its law.
        if settings.learnedCallsDir == nil { settings.learnedCallsDir = runtime.path }
        let path = "\(runtime.path)/settings.toml"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw SupervisorError.settingsFile(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array(settings.toml().utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw SupervisorError.settingsFile(path: path, reason: String(cString: strerror(errno)))
        }
        return path
    }

    private func start(_ child: SupervisedChild) {
        // While stopping, a child not yet asked to stop is still needed by those draining before it.
        guard phase != .stopping || !child.stopping else { return }
        child.ready = false
        do {
            let process = try UVProcess(loop: loop, options: .init(executable: child.executable, arguments: child.arguments + child.extraArguments)) {
                [unowned self, unowned child] status, signal in
                self.exited(child, status: status, signal: signal)
            }
            child.process = process
            pipeOutput(process.stdout, of: child, rawLevel: .info, to: standardOutput)
            pipeOutput(process.stderr, of: child, rawLevel: .error, to: standardError)
            logger.info("started \(child.name) (pid \(process.pid))")
            publishState()
        } catch {
            logger.critical("cannot start \(child.name): \(error)")
            stopAll(exitCode: 1)
        }
    }

    private func pipeOutput(_ pipe: UVPipe, of child: SupervisedChild, rawLevel: Logger.Level, to file: UnsafeMutablePointer<FILE>) {
        let prefixer = LinePrefixer(name: child.name, format: configuration.settings.format, rawLevel: rawLevel, output: file, copy: configuration.logFile)
        let key = ObjectIdentifier(pipe)
        child.outputs[key] = pipe
        try? pipe.startReading(onData: { prefixer.feed($0) }, onEnd: { [unowned child] _ in
            prefixer.flush()
            child.outputs[key] = nil
            pipe.close()
        })
    }

    private func exited(_ child: SupervisedChild, status: Int64, signal: Int32) {
        // Whatever the child started and left in its group dies with it: a
        // crash backtracer outlives a child killed mid-trace, holding its
        // pipes (and every descriptor it inherited) for up to 30 s.
        if child.process?.killGroup(signal: SIGKILL) == true {
            logger.warning("\(child.name) left processes behind in its process group (a crash backtracer?); killed them")
        }
        child.process?.close()
        child.process = nil
        child.control?.close()
        child.control = nil
        child.ready = false
        child.graceTimer?.close()
        child.graceTimer = nil
        metrics.ready(child.name, false)
        let how = signal != 0 ? "was killed by signal \(signal)" : "exited with status \(status)"
        let killedForHang = child.killedForHang
        child.killedForHang = false
        reportDeath(of: child, how: how, crashed: killedForHang || Self.crashSignals.contains(signal) || (signal == 0 && status != 0))
        publishState()

        // A child that dies while stopping is restarted only when an orderly
        // stop still needs it (it was not asked to stop yet).
        if phase == .stopping && (child.stopping || exitCode != 0) {
            logger.info("\(child.name) \(how)")
            stopNext()
            return
        }
        if !child.everReady {
            logger.critical("\(child.name) \(how) before it became ready; stopping Ferry (see the \(child.name)'s log above)")
            stopAll(exitCode: 1)
            return
        }
        let now = UVLoop.nowNanoseconds()
        let policy = configuration.restartPolicy
        if let onCrashes = child.spec.onRepeatedCrashes, Self.crashSignals.contains(signal), child.extraArguments.isEmpty,
           child.history.crashed(at: now, policy: policy) {
            let (reason, arguments) = onCrashes(child.history.recentCrashes, signal)
            logger.error("\(reason)")
            child.extraArguments = arguments
        }
        let delay: UInt64
        switch child.history.died(at: now, policy: policy) {
        case let .giveUp(restarts):
            logger.critical("\(child.name) \(how); it needed \(restarts) restarts within \(configuration.settings.restartWindowS) s, over the limit of \(policy.maxRestarts); stopping Ferry")
            stopAll(exitCode: 1)
            return
        case let .restart(afterMs):
            delay = phase == .stopping ? 0 : afterMs
        }
        child.restarts += 1
        metrics.restarted(child.name)
        publishMetrics()
        if delay == 0 {
            logger.warning("\(child.name) \(how); restarting it now")
            start(child)
            return
        }
        logger.warning("\(child.name) \(how); restarting in \(delay) ms")
        if child.restartTimer == nil { child.restartTimer = try? UVTimer(loop: loop) }
        child.restartTimer?.start(afterMilliseconds: delay) { [unowned self, unowned child] in self.start(child) }
    }

    /// The scheduler re-dispatches what the worker was running; whether the
    /// worker crashed (its call may hold a poison item) or was killed from
    /// outside (no item is to blame) decides what the loss costs the items.
    private func reportDeath(of child: SupervisedChild, how: String, crashed: Bool) {
        guard let to = child.spec.reportDeathTo else { return }
        children.first { $0.spec.role == to }?.control?.send(.childExited(role: child.name, crashed: crashed, detail: how))
    }

    /// Rewrites `supervisor.json` in the runtime directory.
    private func publishState() {
        let state = SupervisorState(pid: getpid(), phase: "\(phase)", children: children.map {
            .init(name: $0.name, pid: $0.process?.pid, ready: $0.ready, restarts: $0.restarts)
        })
        state.write(to: "\(runtime.path)/\(SupervisorState.fileName)")
    }

    // MARK: - Control socket

    private func listenForChildren() throws {
        let server = try UVReactor(loop: loop).listen(at: runtime.socket("control"), label: "child") { [unowned self] connection in
            let key = ObjectIdentifier(connection)
            self.pendingControl[key] = connection
            connection.start(onMessage: { [unowned self, unowned connection] message in
                self.control(message, from: connection)
            }, onEnd: { [unowned self] _ in
                self.pendingControl[key] = nil
            })
        }
        controlServer = server
    }

    private func control(_ message: Message, from connection: MessageLink) {
        switch message {
        case .hello:
            let role: Role
            switch Handshake.accept(message, allowed: Set(children.map(\.spec.role))) {
            case let .success(r): role = r
            case let .failure(error):
                logger.error("control connection refused: \(error)")
                connection.close()
                return
            }
            guard let child = children.first(where: { $0.spec.role == role }) else { connection.close(); return }
            connection.label = role.rawValue
            child.control = connection
            connection.send(child.stopping ? [Handshake.hello(from: .supervisor), .drain] : [Handshake.hello(from: .supervisor)])
            greetWithMetrics(child)
        case .ready:
            guard let child = children.first(where: { $0.control === connection }) else { return }
            becameReady(child)
        case .pong:
            children.first(where: { $0.control === connection })?.lastPongNs = UVLoop.nowNanoseconds()
        case let .metrics(source, _):
            // The one route of every process's samples: kept, and passed on to who serves /metrics.
            latestMetrics[source] = message
            for child in children where child.spec.servesSupervisorMetrics { child.control?.send(message) }
        default:
            logger.warning("\(connection.label) sent an unexpected \(message.kindName) on the control socket")
        }
    }

    /// The ingress serves the supervisor's samples on `/metrics`.
    private func publishMetrics() {
        let samples = Message.metrics(source: "supervisor", text: metrics.render())
        for child in children where child.spec.servesSupervisorMetrics { child.control?.send(samples) }
    }

    /// A (re)started child that serves /metrics gets everyone's latest samples.
    private func greetWithMetrics(_ child: SupervisedChild) {
        guard child.spec.servesSupervisorMetrics else { return }
        child.control?.send(Array(latestMetrics.values))
    }

    private func becameReady(_ child: SupervisedChild) {
        child.ready = true
        child.everReady = true
        child.lastPongNs = UVLoop.nowNanoseconds()
        metrics.ready(child.name, true)
        publishMetrics()
        publishState()
        guard phase == .starting else {
            logger.info("\(child.name) is ready again")
            return
        }
        if let next = children.first(where: { !$0.isRunning }) {
            start(next)
        } else if children.allSatisfy(\.ready) {
            phase = .running
            publishState()
            let ms = (UVLoop.nowNanoseconds() - startedAt) / 1_000_000
            logger.info("Ferry is ready on http://\(configuration.settings.host):\(configuration.settings.port) (started in \(ms) ms)")
        }
    }

    // MARK: - Heartbeat

    static let crashSignals: Set<Int32> = [SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP]

    /// Pings every ready child several times per heartbeat timeout; one
    /// silent for longer than the timeout has a hung loop and is killed
    /// (then restarted). A tick that comes late by over half a timeout
    /// judges nobody: the supervisor itself was held (a starved machine,
    /// SIGSTOP), and libuv runs due timers before it reads the pongs that
    /// came meanwhile — every child would look silent.
    private func startHeartbeat() {
        let interval = UInt64(max(100, min(1_000, configuration.settings.heartbeatTimeoutS * 1_000 / 4)))
        let timeoutNs = configuration.settings.heartbeatTimeoutS * 1e9
        heartbeat = try? UVTimer(loop: loop)
        lastHeartbeatNs = UVLoop.nowNanoseconds()
        heartbeat?.start(afterMilliseconds: interval, repeat: interval) { [unowned self] in
            guard self.phase != .stopping else { return }
            let now = UVLoop.nowNanoseconds()
            let gapNs = now - self.lastHeartbeatNs
            let late = Double(gapNs) > Double(interval) * 1e6 + timeoutNs / 2
            self.lastHeartbeatNs = now
            if late {
                self.logger.warning("heartbeat \(gapNs / 1_000_000) ms after the last (every \(interval) ms): the supervisor itself was held; no child judged this turn")
            }
            self.pingSequence += 1
            for child in self.children where child.ready {
                guard let control = child.control else { continue }
                let silentNs = now - child.lastPongNs
                if !late && Double(silentNs) > timeoutNs {
                    self.logger.error("\(child.name) has not answered a heartbeat for \(silentNs / 1_000_000) ms; killing it")
                    child.ready = false
                    child.killedForHang = true
                    child.process?.killGroup(signal: SIGKILL)
                } else {
                    control.send(.ping(sequence: self.pingSequence))
                }
            }
        }
    }

    // MARK: - Shutdown

    private func watchSignals() throws {
        for signum in [SIGINT, SIGTERM] {
            let watcher = try UVSignal(loop: loop)
            try watcher.start(signal: signum) { [unowned self] sig in
                if self.phase == .stopping {
                    self.logger.warning("signal \(sig) again: killing every child now")
                    for child in self.children {
                        child.stopping = true  // killed on purpose: not to be restarted for the drain
                        child.process?.killGroup(signal: SIGKILL)
                    }
                } else {
                    self.logger.info("signal \(sig): draining (ingress stops accepting; queued and in-flight requests are answered)")
                    self.stopAll(exitCode: 0)
                }
            }
            signals.append(watcher)
        }
    }

    /// Stops the children in reverse start order, each after the one before
    /// it has exited; then releases every handle so the loop ends.
    private func stopAll(exitCode: Int32) {
        if phase != .stopping {
            phase = .stopping
            self.exitCode = exitCode
            publishState()
        }
        for child in children {
            // A child waiting out its restart backoff is started now: the
            // ones that drain before it may need it to finish their work.
            if !child.isRunning && child.everReady && !child.stopping && exitCode == 0 { start(child) }
            child.restartTimer?.close()
            child.restartTimer = nil
        }
        stopNext()
    }

    private func stopNext() {
        guard let child = children.last(where: { $0.isRunning }) else {
            finish()
            return
        }
        guard !child.stopping else { return }
        child.stopping = true
        if let control = child.control {
            control.send(.drain)
        } else {
            child.process?.kill(signal: SIGTERM)
        }
        let timer = try? UVTimer(loop: loop)
        timer?.start(afterMilliseconds: UInt64(configuration.settings.drainGraceS * 1000)) { [unowned self, unowned child] in
            self.logger.warning("\(child.name) did not finish draining within \(self.configuration.settings.drainGraceS) s; killing it")
            child.process?.killGroup(signal: SIGKILL)
        }
        child.graceTimer = timer
    }

    private func finish() {
        heartbeat?.close()
        heartbeat = nil
        for watcher in signals { watcher.close() }
        signals.removeAll()
        controlServer?.close()
        controlServer = nil
        for connection in pendingControl.values { connection.close() }
        pendingControl.removeAll()
        for child in children {
            child.restartTimer?.close()
            child.graceTimer?.close()
            child.control?.close()
            // Every child has exited and its group was killed; output still
            // unread belongs to a process outside Ferry's reach.
            for pipe in child.outputs.values { pipe.close() }
            child.outputs.removeAll()
        }
        logger.info(exitCode == 0 ? "Ferry stopped cleanly" : "Ferry stopped (exit \(exitCode))")
        loop.stop()
    }
}
