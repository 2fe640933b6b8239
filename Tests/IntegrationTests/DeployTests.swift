import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// The files under `deploy/`, used as they are: HAProxy in front of two real
/// Ferrys, and the Kubernetes manifests' own configuration run by a real Ferry.
@Suite(.serialized) struct DeployTests {
    /// Two Ferrys behind `deploy/haproxy/haproxy.cfg`: both faces answer
    /// through HAProxy, both Ferrys serve, and one Ferry drained (SIGTERM)
    /// under load from 8 clients loses nothing: every request is answered
    /// 200, the rest by the other Ferry.
    @Test func haproxySpreadsTheLoadAndADrainingFerryLosesNothing() async throws {
        let arguments = ["--strategy", "plugins/sjf.so", "--unit-ms", "0.05"]
        let ferrys = try [FerryInstance(arguments: arguments), FerryInstance(arguments: arguments)]
        try await SeedClient.withHTTPClient { http in
            for ferry in ferrys { try await ferry.waitUntilReady(client: http) }
            let haproxy = try HAProxyServer(ferrys: ferrys.map { ($0.port, $0.grpcPort) })
            defer { haproxy.stop() }
            // Until each Ferry has served through HAProxy (its health checks pass first).
            let deadline = ContinuousClock.now + .seconds(60)
            var n = 0
            while try ferrys.contains(where: { try $0.calls().isEmpty }) {
                guard ContinuousClock.now < deadline, haproxy.isRunning else {
                    Issue.record("HAProxy did not reach both Ferrys:\n\(haproxy.output)")
                    return
                }
                n += 1
                _ = try? await SeedClient.classify("warm-up \(n)", client: "warm", via: http, base: haproxy.baseURL)
            }
            let grpc = try await PythonScript.run("Benchmarks/upstream/oip_smoke.py", ["--url", haproxy.grpcAddress, "--protocol", "grpc"], within: 120)
            #expect(grpc.status == 0, "the gRPC face through HAProxy: \(grpc.output)")

            // The load on a client of its own: none of its connections sat idle in
            // a pool while the checks above ran (a client sending on a connection
            // HAProxy is just closing for idleness is the client's race, not a loss).
            try await SeedClient.withHTTPClient { http in try await Self.drainUnderLoad(ferrys, haproxy, http) }
        }
    }

    /// 8 clients send through HAProxy; the first Ferry is drained (SIGTERM)
    /// once 100 are answered, and 100 more are answered after it stopped.
    static func drainUnderLoad(_ ferrys: [FerryInstance], _ haproxy: HAProxyServer, _ http: HTTPClient) async throws {
        let tally = StatusTally()
        let stop = Flag()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for c in 0..<8 {
                    group.addTask {
                        var i = 0
                        while !stop.isSet {
                            i += 1
                            do {
                                let answer = try await SeedClient.classify("client \(c) request \(i)", client: "c\(c)", via: http, base: haproxy.baseURL)
                                await tally.record("\(answer.status)")
                            } catch {
                                await tally.record("no answer: \(error)")
                            }
                        }
                    }
                }
            }
        }
        try await tally.waitFor(atLeast: 100)
        #expect(try await ferrys[0].stop() == 0)
        let served = try ferrys[1].calls().count
        try await tally.waitFor(atLeast: await tally.total + 100)
        stop.set()
        await load.value
        let counts = await tally.counts
        #expect(counts.keys.sorted() == ["200"], "answers through HAProxy while a Ferry drained: \(counts)")
        #expect(try ferrys[1].calls().count > served, "the other Ferry took no load after the drain")
        #expect(try await ferrys[1].stop() == 0)
    }

    /// The Kubernetes manifests' Ferry configuration (`deploy/kubernetes/ferry.toml`,
    /// the ConfigMap kustomize makes) starts a real Ferry, whose probes'
    /// routes (`/healthz`, `/readyz`) answer 200; the Deployment mounts that
    /// file where its arguments say and probes those routes on its ports.
    @Test func theKubernetesConfigurationRunsAndAnswersItsProbes() async throws {
        let folder = Repository.root.appendingPathComponent("deploy/kubernetes")
        let config = folder.appendingPathComponent("ferry.toml").path
        let ferry = try FerryInstance(arguments: ["--config", config, "--host", "127.0.0.1"])
        try await SeedClient.withHTTPClient { http in
            try await ferry.waitUntilReady(client: http)
            for route in ["/healthz", "/readyz"] {
                let response = try await http.execute(HTTPClientRequest(url: ferry.baseURL + route), timeout: .seconds(10))
                #expect(response.status.code == 200, "\(route)")
            }
            #expect(try await SeedClient.classify("def f(): pass", client: "k8s", via: http, base: ferry.baseURL).status == 200)
            #expect(try await ferry.stop() == 0)
        }
        let deployment = try String(contentsOf: folder.appendingPathComponent("deployment.yaml"), encoding: .utf8)
        let kustomization = try String(contentsOf: folder.appendingPathComponent("kustomization.yaml"), encoding: .utf8)
        for expected in ["--config", "/etc/ferry/ferry.toml", "mountPath: /etc/ferry", "path: /readyz", "path: /healthz",
                         "containerPort: 8000", "containerPort: 8001"] {
            #expect(deployment.contains(expected), "deployment.yaml lacks \(expected)")
        }
        #expect(kustomization.contains("- ferry.toml") && kustomization.contains("- deployment.yaml") && kustomization.contains("- service.yaml"))
    }
}

/// Answers by status, counted across the load's tasks.
actor StatusTally {
    private(set) var counts: [String: Int] = [:]
    var total: Int { counts.values.reduce(0, +) }

    func record(_ status: String) { counts[status, default: 0] += 1 }

    /// Waits (bounded: 60 s) until `count` answers are in.
    func waitFor(atLeast count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while total < count {
            guard ContinuousClock.now < deadline else { throw FerryInstance.Failure(description: "the load made no progress: \(counts)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
