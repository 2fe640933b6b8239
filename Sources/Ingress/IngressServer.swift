import Hummingbird
import HummingbirdCore
import Link
import LinkNIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The ingress process's logic: the HTTP server (Hummingbird) in front of the
/// scheduler connection. Runs until SIGTERM, a supervisor `drain`, or the loss
/// of the supervisor; then stops accepting, answers what is in flight, and
/// returns.
public struct IngressServer: Sendable {
    public let configuration: IngressConfiguration
    public let logger: Logger
    public let metrics: IngressMetrics?

    public init(configuration: IngressConfiguration, logger: Logger, metrics: IngressMetrics? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        // One loop for all of the ingress's I/O: HTTP, gRPC and both links to
        // Ferry's other processes, so a request stays on one thread from its
        // socket to the scheduler link and back (hops between threads cost
        // more CPU per request than the work on them).
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await run(on: loop)
        } catch {
            try? await loop.shutdownGracefully()
            throw error
        }
        try await loop.shutdownGracefully()
    }

    private func run(on loop: MultiThreadedEventLoopGroup) async throws {
        let reactor = NIOReactor(eventLoop: loop.next())
        let scheduler = SchedulerClient(socketPath: configuration.schedulerSocket, models: configuration.models.map(\.name),
                                        reactor: reactor, logger: logger)
        let readiness = IngressReadiness(scheduler: scheduler)
        let router = Router(context: IngressContext.self)
        let limiter = configuration.limits.clientRate > 0 ? RateLimiter(rate: configuration.limits.clientRate) : nil
        let performance = PerformanceLog(logger: logger)
        let gate = ClientGate(apiKeys: configuration.apiKeys, rateLimiter: limiter)
        let proxySize = configuration.models.first { $0.name == configuration.proxyModel }?.itemSize ?? .characters
        let exchange = ClassifyExchange(scheduler: scheduler, model: configuration.proxyModel, itemSize: proxySize,
                                        limits: configuration.limits, gate: gate)
        StatusRoutes(scheduler: scheduler, readiness: readiness, metrics: metrics).register(on: router)
        let gateway = ModelGateway(scheduler: scheduler, readiness: readiness,
                                   models: Dictionary(configuration.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
        InferenceRoutes(gateway: gateway).register(on: router)
        let hotRoutes: [any PipelineRoute] = [
            exchange, InferenceExchange(gateway: gateway, gate: gate, maxBodyBytes: configuration.limits.maxBodyBytes),
        ]

        // A drain (or the supervisor's loss) may come before the group exists:
        // it is kept and carried out as soon as the group is there.
        let groupBox = NIOLockedValueBox<(group: ServiceGroup?, drainAsked: Bool)>((nil, false))
        let drain: @Sendable () -> Void = {
            let group = groupBox.withLockedValue { box -> ServiceGroup? in
                box.drainAsked = true
                return box.group
            }
            if let group { Task { await group.triggerGracefulShutdown() } }
        }
        let received: @Sendable (String, [UInt8]) -> Void = { [metrics] source, text in metrics?.received(source: source, text: text) }
        // The control link is the same `ControlLink` every child uses.
        let control = LoopBound<ControlLink>(eventLoop: reactor.eventLoop)
        if let path = configuration.controlSocket {
            try await connectControl(path: path, reactor: reactor, into: control, onDrain: drain, onLost: {
                // The scheduler and worker die with the supervisor: no answer will come
                // for what this ingress holds, so say so now rather than hang.
                scheduler.abandonAll(reason: "Ferry's supervisor stopped before this request was answered")
                drain()
            }, onMetrics: received)
        }
        let reportIfReady: @Sendable () -> Void = {
            if readiness.isUp { control.with { $0?.sendReady() } }
        }
        scheduler.onReadinessChange = reportIfReady
        let grpc = GRPCServerService(
            host: configuration.host, port: configuration.grpcPort,
            services: [InferenceGRPCService(gateway: gateway, gate: gate, metrics: metrics, performance: performance),
                       HealthGRPCService(isReady: { readiness.isReady })],
            logger: logger, loop: loop, onListening: {
                readiness.grpcListening()
                reportIfReady()
            }, onStopping: { readiness.beginStopping() })

        // The scheduler link is listed before the HTTP server, so on shutdown
        // the server stops and finishes its requests before the link closes.
        // The hot HTTP routes (`PipelineRouteHandler`) go from the socket to the link and back on that loop.
        let http = HTTP1Channel.Configuration(idleTimeout: .seconds(configuration.limits.idleTimeoutSeconds))
        let server = HTTPServerBuilder { [metrics] responder in
            PipelineRouteChannel(http: HTTP1Channel(responder: responder, configuration: http)) {
                PipelineRouteHandler(routes: hotRoutes, metrics: metrics, performance: performance)
            }
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ferry"),
            services: [scheduler, grpc],
            onServerRunning: { [logger] channel in
                logger.info("listening on http://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)")
                readiness.httpListening()
                reportIfReady()
            },
            eventLoopGroupProvider: .shared(reactor.eventLoop),
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let drainAsked = groupBox.withLockedValue { box -> Bool in
            box.group = group
            return box.drainAsked
        }
        if drainAsked { Task { await group.triggerGracefulShutdown() } }
        let reporter = Task { await performance.run(every: configuration.limits.performanceLogSeconds) { scheduler.statuses.reduce(0) { $0 + $1.queued } } }
        defer { reporter.cancel() }
        // Ending by itself: the control link is closed before the loop (and
        // with it every channel) shuts down, so its end is not taken for the
        // supervisor's loss.
        let closeControl = { try? await reactor.eventLoop.submit { control.with { $0?.close() } }.get() }
        do {
            try await group.run()
        } catch {
            await closeControl()
            throw error
        }
        await closeControl()
        logger.info("\(performance.summary())")
        logger.info("ingress stopped")
    }
}

extension IngressServer {
    /// Connects the control link and waits until it is up; throws when the
    /// supervisor cannot be reached. Losing it later runs `onLost`.
    func connectControl(path: String, reactor: NIOReactor, into control: LoopBound<ControlLink>,
                        onDrain: @escaping @Sendable () -> Void, onLost: @escaping @Sendable () -> Void,
                        onMetrics: @escaping @Sendable (String, [UInt8]) -> Void) async throws {
        let logger = self.logger
        try await withCheckedThrowingContinuation { (waiting: CheckedContinuation<Void, any Error>) in
            reactor.execute {
                var pending: CheckedContinuation<Void, any Error>? = waiting
                ControlLink.connect(reactor: reactor, address: path, role: .ingress,
                                    onDrain: onDrain,
                                    onFatal: { reason in
                                        if let first = pending {
                                            pending = nil
                                            first.resume(throwing: LinkError(reason))
                                        } else {
                                            logger.error("\(reason): the supervisor is gone; stopping")
                                            onLost()
                                        }
                                    },
                                    onMetrics: onMetrics,
                                    connected: { link in
                                        control.set(link)
                                        pending?.resume()
                                        pending = nil
                                    })
            }
        }
    }
}
