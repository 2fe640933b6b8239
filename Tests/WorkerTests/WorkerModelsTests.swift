import Link
import LinkEmbedded
import Logging
import Testing
import Wire
import Worker

/// A worker serving two models: each batch runs on its model's backend,
/// each backend's slots are its own, and a model it does not serve is refused.
@Suite struct WorkerModelsTests {
    let reactor = EmbeddedReactor()
    let small = ManualBackend(batchLimit: 2, concurrency: 1)
    let large = ManualBackend(batchLimit: 8, concurrency: 2)
    let worker: WorkerServer

    init() throws {
        worker = WorkerServer(reactor: reactor, served: [.init(model: "small", backend: small), .init(model: "large", backend: large)],
                              configuration: .init(socketPath: "worker"), logger: Logger(label: "test"))
        try worker.start()
    }

    static func batch(_ id: UInt64, _ model: String, _ texts: [String]) -> Message {
        .batch(Batch(batchID: id, model: model, items: texts.enumerated().map { .init(id: UInt64($0.offset + 1), payload: Array($0.element.utf8)) }))
    }

    static func results(_ messages: [Message]) -> [BatchResult] {
        messages.compactMap { if case let .batchResult(r) = $0 { r } else { nil } }
    }

    @Test func eachBatchRunsOnItsModelsBackendWithinItsOwnSlots() throws {
        let s = try reactor.connectPeer(to: "worker")
        s.send(Handshake.hello(from: .scheduler))
        reactor.run()
        let greeting = s.take()
        #expect(Array(greeting.dropFirst()) == [.capacity(model: "small", batchLimit: 2, slots: 1),
                                               .capacity(model: "large", batchLimit: 8, slots: 2)])
        // small's one slot and large's two are separate: all three run at once.
        s.send(Self.batch(1, "small", ["a", "b"]), Self.batch(2, "large", ["c"]), Self.batch(3, "large", ["d", "e", "f"]))
        reactor.run()
        #expect(small.calls.map(\.payloads.count) == [2] && large.calls.map(\.payloads.count) == [1, 3])
        // A fourth for large, a second for small: over their slots, answered busy.
        s.send(Self.batch(4, "large", ["g"]), Self.batch(5, "small", ["h"]))
        reactor.run()
        let busy = Self.results(s.take())
        #expect(busy.map(\.batchID) == [4, 5] && busy.allSatisfy { $0.outcomes.allSatisfy { $0.status == .busy } })
        // Over small's batch limit; a model nobody serves.
        s.send(Self.batch(6, "small", ["i", "j", "k"]), Self.batch(7, "nope", ["l"]))
        reactor.run()
        let refused = Self.results(s.take())
        #expect(refused.first { $0.batchID == 6 }?.outcomes.first?.status == .invalid)
        let unknown = refused.first { $0.batchID == 7 }?.outcomes.first
        #expect(unknown?.status == .failed && String(decoding: unknown?.body ?? [], as: UTF8.self).contains("'small', 'large'"))
        large.finish(1)
        small.finish(0)
        reactor.run()
        #expect(Self.results(s.take()).map(\.batchID) == [3, 1])
    }
}
