import AsyncHTTPClient
import BenchKit
import Foundation
import NIOCore

/// The reference model server (`Benchmarks/upstream/model_server.py`),
/// started for a test on a free port and stopped when released.
public final class ModelServer: Sendable {
    public let port: Int
    let server: LoggedProcess

    /// Starts it with extra flags (`--unit-ms`, `--fail-every`, …), on `port` or a free one.
    public init(_ arguments: [String] = [], port: Int? = nil) throws {
        self.port = try port ?? FreePort.find()
        server = try .python(name: "model", script: Repository.root.appendingPathComponent("Benchmarks/upstream/model_server.py").path,
                             arguments: ["--port", "\(self.port)"] + arguments)
    }

    deinit { stop() }

    /// Stops the server. Call it at the end of a test (in a `defer`): that
    /// also keeps the server alive until then, whatever the optimiser thinks.
    public func stop() {
        // SIGKILL: a child of the test runner inherits its blocked signals,
        // and uvicorn's graceful stop waits for idle keep-alive connections.
        server.killNow()
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public var log: String { server.log }

    /// Waits (bounded) until it answers /healthz.
    public func waitUntilUp(client: HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        // Checked once more after the deadline (a stalled test process must not fail a server that is up).
        while true {
            guard server.isRunning else {
                throw FerryInstance.Failure(description: "model server exited (run .ci/install for fastapi and uvicorn):\n\(log)")
            }
            if let r = try? await client.get(url: "\(url)/healthz").get(), r.status == .ok { return }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FerryInstance.Failure(description: "model server not up within 60 s:\n\(log)")
    }

    /// What it counted: calls, texts, max_batch, overlaps, failed, slowed, wrong.
    public func stats(client: HTTPClient) async throws -> [String: Int] {
        try await Self.stats(at: url, client: client)
    }

    /// The same of any server of `model_server.py`'s at `url` (`http://HOST:PORT`).
    public static func stats(at url: String, client: HTTPClient) async throws -> [String: Int] {
        // uvicorn closes a connection idle for 5 s; a pooled one it closed just
        // as it is reused fails this GET (idempotent): asked again on a fresh one.
        let r: HTTPClient.Response
        do {
            r = try await client.get(url: "\(url)/stats").get()
        } catch ChannelError.ioOnClosedChannel {
            r = try await client.get(url: "\(url)/stats").get()
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            r = try await client.get(url: "\(url)/stats").get()
        }
        let data = Data((r.body.map { String(buffer: $0) } ?? "{}").utf8)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Int]) ?? [:]
    }
}
