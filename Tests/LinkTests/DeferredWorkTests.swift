import Foundation
import LibUV
import Link
import LinkEmbedded
import LinkUV
import Testing
import Wire

/// Work deferred in a message handler runs once the messages read with it
/// are all delivered, before the loop waits, and what it sends goes out.
@Suite struct DeferredWorkTests {
    /// The real transport: three messages sent in one write over a Unix
    /// socket are delivered, then the deferred work runs once and its answer
    /// (how many it saw) reaches the sender. Event-driven: the loop stops on
    /// the answer.
    @Test func workDeferredOnALibuvLoopRunsAfterTheMessagesReadWithIt() throws {
        let loop = try UVLoop()
        let reactor = UVReactor(loop: loop)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-deferred-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let deferred = reactor.makeDeferredWork()
        var serverLinks: [MessageLink] = []
        var delivered = 0, runs = 0
        let listener = try reactor.listen(at: path, label: "svc") { link in
            serverLinks.append(link)
            link.start(onMessage: { _ in
                delivered += 1
                deferred.schedule { runs += 1 }
                if delivered == 1 {
                    deferred.schedule { link.send(.cancel(id: UInt64(delivered))) }
                }
            }, onEnd: { _ in })
        }
        var answer: Message?
        var client: MessageLink?
        reactor.connect(to: path, label: "client") { result in
            guard let link = try? result.get() else { Issue.record("connect failed: \(result)"); loop.stop(); return }
            client = link
            link.start(onMessage: { answer = $0; loop.stop() }, onEnd: { _ in loop.stop() })
            link.send([.cancel(id: 1), .cancel(id: 2), .cancel(id: 3)])
        }
        loop.run()
        #expect(answer == .cancel(id: 3))  // the work saw all three
        #expect(runs == 3)  // each scheduled work ran once
        deferred.close()
        client?.close()
        for link in serverLinks { link.close() }
        listener.close()
        #expect(loop.close().isEmpty)  // closed, its idle handle is gone
    }

    /// On the embedded reactor: after what is pending, in the same run; a
    /// closed one runs nothing more.
    @Test func embeddedWorkRunsAfterWhatIsPendingAndNotOnceClosed() throws {
        let reactor = EmbeddedReactor()
        let deferred = reactor.makeDeferredWork()
        var order: [String] = []
        deferred.schedule { order.append("deferred") }
        order.append("now")
        reactor.run()
        #expect(order == ["now", "deferred"])
        deferred.schedule { order.append("dropped") }
        deferred.close()
        reactor.run()
        #expect(order == ["now", "deferred"])
    }
}
