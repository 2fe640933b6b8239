import LibUV
import Link
import LinkEmbedded
import LinkUV
import LinkNIO
import NIOPosix
import Testing
import Wire

/// TCP links prove the shared secret before any message reaches the logic.
@Suite struct SecretGateTests {
    /// A gated accept on the embedded transport; returns what the logic saw.
    final class Acceptor {
        var links: [MessageLink] = []
        var received: [Message] = []
        var refusals: [String] = []
    }

    func exchange(serverSecret: [UInt8], clientSecret: [UInt8]) throws -> (Acceptor, EmbeddedReactor, [Message], LinkEnd?) {
        let reactor = EmbeddedReactor()
        let acceptor = Acceptor()
        _ = try reactor.listen(at: "svc", label: "svc") { link in
            SecretGate.accept(link, secret: serverSecret, onAccept: { gated in
                acceptor.links.append(gated)
                gated.start(onMessage: { message in
                    acceptor.received.append(message)
                    if case .hello = message { gated.send(Handshake.hello(from: .scheduler)) }
                }, onEnd: { _ in })
            }, onRefused: { acceptor.refusals.append($0) })
        }
        var clientReceived: [Message] = []
        var clientEnd: LinkEnd?
        reactor.connect(to: "svc", label: "c") { result in
            guard let link = try? result.get() else { return }
            let gated = SecretGate.connect(link, secret: clientSecret)
            gated.start(onMessage: { clientReceived.append($0) }, onEnd: { clientEnd = $0 })
            gated.send(Handshake.hello(from: .ingress))
        }
        reactor.run()
        return (acceptor, reactor, clientReceived, clientEnd)
    }

    @Test func aPeerWithTheSecretGetsThroughAndBothLogicsSeeOnlyTheirHellos() throws {
        let secret = Array("s3cret".utf8)
        let (acceptor, _, client, end) = try exchange(serverSecret: secret, clientSecret: secret)
        #expect(acceptor.refusals.isEmpty)
        #expect(acceptor.received == [Handshake.hello(from: .ingress)])
        #expect(client == [Handshake.hello(from: .scheduler)])
        #expect(end == nil)
    }

    @Test func aWrongSecretIsRefusedBeforeTheLogicSeesAnything() throws {
        let (acceptor, _, client, end) = try exchange(serverSecret: Array("right".utf8), clientSecret: Array("wrong".utf8))
        #expect(acceptor.links.isEmpty && acceptor.received.isEmpty)
        #expect(acceptor.refusals.first?.contains("wrong proof of the shared secret from a peer calling itself 'ingress'") == true)
        #expect(client.isEmpty)
        #expect(end?.description == "peer closed the connection")
    }

    @Test func theProofDependsOnSecretRoleAndNonce() {
        let nonce = Array(repeating: UInt8(1), count: 32)
        let p = SecretGate.proof(secret: [1], role: "ingress", nonce: nonce)
        #expect(p.count == 32)
        #expect(p != SecretGate.proof(secret: [2], role: "ingress", nonce: nonce))
        #expect(p != SecretGate.proof(secret: [1], role: "worker", nonce: nonce))
        #expect(p != SecretGate.proof(secret: [1], role: "ingress", nonce: Array(repeating: 2, count: 32)))
    }

    /// The real transport: a TCP link on loopback, gated, end to end. The
    /// loop runs until the answer arrives (event-driven, no sleep).
    @Test func aTCPLinkOnLoopbackCarriesFramesAfterTheProof() throws {
        let loop = try UVLoop()
        let reactor = UVReactor(loop: loop, secret: Array("loopback".utf8))
        var serverLinks: [MessageLink] = []
        let listener = try reactor.listen(at: "tcp://127.0.0.1:0", label: "svc") { link in
            serverLinks.append(link)
            link.start(onMessage: { message in
                if case .hello = message { link.send([Handshake.hello(from: .worker), .capacity(model: "classifier", batchLimit: 5, slots: 1)]) }
            }, onEnd: { _ in })
        }
        #expect(listener.address.hasPrefix("tcp://127.0.0.1:") && !listener.address.hasSuffix(":0"))
        var got: [Message] = []
        var client: MessageLink?
        reactor.connect(to: listener.address, label: "scheduler") { result in
            guard let link = try? result.get() else { Issue.record("connect failed: \(result)"); loop.stop(); return }
            client = link
            link.start(onMessage: { message in
                got.append(message)
                if got.count == 2 { loop.stop() }
            }, onEnd: { _ in loop.stop() })
            link.send(Handshake.hello(from: .scheduler))
        }
        loop.run()
        #expect(got == [Handshake.hello(from: .worker), .capacity(model: "classifier", batchLimit: 5, slots: 1)])
        client?.close()
        for link in serverLinks { link.close() }
        listener.close()
        #expect(loop.close().isEmpty)
    }

    @Test func aTCPAddressWithoutASecretIsRefusedWithTheReason() throws {
        let loop = try UVLoop()
        let reactor = UVReactor(loop: loop)
        #expect(throws: LinkError.self) { _ = try reactor.listen(at: "tcp://127.0.0.1:0", label: "x") { _ in } }
        var outcome: Result<MessageLink, LinkError>?
        reactor.connect(to: "tcp://127.0.0.1:9", label: "x") { outcome = $0 }
        if case let .failure(error) = outcome {
            #expect(error.description.contains("TCP links need a shared secret"))
        } else { Issue.record("a TCP link opened without a secret") }
        #expect(loop.close().isEmpty)
    }
}

/// The NIO transport (the ingress's) reaches a libuv listener over TCP
/// through the same gate: the two transports speak one link layer.
@Suite struct CrossTransportTests {
    @Test func aNIOLinkPassesTheGateOfALibuvListener() async throws {
        let secret = Array("both sides".utf8)
        let loop = try UVLoop()
        let uv = UVReactor(loop: loop, secret: secret)
        let listener = try uv.listen(at: "tcp://127.0.0.1:0", label: "svc") { link in
            link.start(onMessage: { message in
                if case .hello = message { link.send([Handshake.hello(from: .scheduler)]) }
            }, onEnd: { _ in })
        }
        // The libuv loop runs on this thread; the NIO side says "done" through a UVAsync.
        let done = try UVAsync(loop: loop)
        let nio = NIOReactor(eventLoop: MultiThreadedEventLoopGroup.singleton.next(), secret: secret)
        let answer = LoopBound<Message>(eventLoop: nio.eventLoop)
        let address = listener.address
        let uvLoop = LoopOnly(loop)  // stopped only from work posted to it
        nio.execute {
            nio.connect(to: address, label: "ingress") { result in
                guard let link = try? result.get() else { done.post { uvLoop.onLoop.stop() }; return }
                link.start(onMessage: { message in
                    answer.set(message)
                    done.post { uvLoop.onLoop.stop() }
                }, onEnd: { _ in done.post { uvLoop.onLoop.stop() } })
                link.send(Handshake.hello(from: .ingress))
            }
        }
        loop.run()
        let got = await withCheckedContinuation { (c: CheckedContinuation<Message?, Never>) in answer.with { c.resume(returning: $0) } }
        #expect(got == Handshake.hello(from: .scheduler))
        done.close()
        listener.close()
    }
}
