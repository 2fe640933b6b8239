import CostModel
import Foundation
import Testing
import TestSupport

/// The container image, built from the top-level Dockerfile with podman
/// (`.ci/container-build`: local base images where no registry answers,
/// runc, host network), run as a user would run it: healthy, answering HTTP
/// and gRPC, and draining on SIGTERM with a request in flight.
@Suite(.serialized) struct ContainerImageTests {
    static let environment = ["CONTAINERS_CONF": Repository.root.appendingPathComponent(".ci/containers.conf").path]

    static func podman(_ arguments: [String], within seconds: Double = 120) async throws -> HostCommand.Outcome {
        try await HostCommand.run("podman", arguments, environment: environment, within: seconds)
    }

    @Test func theImageIsHealthyAnswersBothFacesAndDrainsOnSIGTERM() async throws {
        let tag = "localhost/ferry:test"
        // niced: the image's release build must not starve the suites running beside it.
        let build = try await HostCommand.run("nice", ["-n", "10", ".ci/container-build", tag], environment: Self.environment, within: 3600)
        try #require(build.status == 0, "\(build.output.suffix(4000))")
        let name = "ferry-test-\(UUID().uuidString.prefix(8).lowercased())"
        let port = try FreePort.find()
        let grpcPort = try FreePort.find()
        // The learned law on a named volume at the image's /var/lib/ferry (its user's).
        let volume = "\(name)-state"
        let run = try await Self.podman(["run", "--detach", "--name", name, "--network", "host", "-v", "\(volume):/var/lib/ferry",
                                         "-e", "FERRY_PORT=\(port)", "-e", "FERRY_GRPC_PORT=\(grpcPort)", tag,
                                         "--strategy", "plugins/sjf.so", "--learned-calls-dir", "/var/lib/ferry"])
        try #require(run.status == 0, "\(run.output)")
        defer {
            Task {
                _ = try? await Self.podman(["rm", "--force", name])
                _ = try? await Self.podman(["volume", "rm", "--force", volume])
            }
        }

        // Healthy: the image's own HEALTHCHECK (GET /readyz), run by podman.
        let deadline = ContinuousClock.now + .seconds(120)
        var healthy = false
        while !healthy && ContinuousClock.now < deadline {
            healthy = try await Self.podman(["healthcheck", "run", name]).status == 0
            if !healthy { try await Task.sleep(for: .milliseconds(250)) }
        }
        if !healthy {
            let logs = try await Self.podman(["logs", name]).output
            Issue.record("the container never became healthy:\n\(logs)")
            return
        }

        let base = "http://127.0.0.1:\(port)"
        try await SeedClient.withHTTPClient { http in
            let answer = try await SeedClient.classify("def f(): return 1", client: "container", via: http, base: base)
            #expect(answer.status == 200 && answer.body.contains("\"code\""), "\(answer.body)")
            let grpc = try await PythonScript.run("Benchmarks/oip_load.py", ["--url", "127.0.0.1:\(grpcPort)", "--protocol", "grpc",
                                                                             "--requests", "1", "--concurrency", "1", "--verify"], within: 60)
            #expect(grpc.status == 0, "\(grpc.output)")

            // SIGTERM with a 10 s call in flight (long enough to be seen in flight on a
            // loaded machine): it is answered, then the container exits 0.
            async let inFlight = SeedClient.classify(String(repeating: "x", count: 100), client: "container", via: http, base: base)
            let busy = try await FerryInstance.readyz(at: base, client: http) { $0.contains("\"in_flight\":\"1\"") }
            #expect(busy.contains("\"in_flight\":\"1\""), "\(busy)")
            let stop = try await Self.podman(["stop", "--time", "60", name], within: 90)
            #expect(stop.status == 0, "\(stop.output)")
            let last = try await inFlight
            #expect(last.status == 200 && last.body.contains("not code"), "\(last.status) \(last.body)")
        }
        let exit = try await Self.podman(["inspect", "--format", "{{.State.ExitCode}}", name])
        let logs = try await Self.podman(["logs", name]).output
        #expect(exit.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "exit code \(exit.output):\n\(logs)")
        #expect(logs.contains("Ferry stopped cleanly"), "\(logs)")
        // The scheduler kept its calls on the volume, as the image's user, on the way out at the latest.
        let mount = try await Self.podman(["volume", "inspect", "--format", "{{.Mountpoint}}", volume])
        let folder = mount.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let kept = try LearnedCalls.read(from: "\(folder)/\(LearnedCalls.fileName(model: "classifier"))")
        #expect((kept?.learnerCalls.count ?? 0) >= 3, "\(folder): \(String(describing: kept))\n\(logs)")
    }
}
