import Link
import LinkEmbedded
import Testing
import Wire

/// The hello exchange, written once for every link: roles, not strings.
@Suite struct HandshakeTests {
    @Test func aKnownRoleWithTheRightVersionIsAccepted() throws {
        #expect(try Handshake.accept(Handshake.hello(from: .ingress), allowed: [.ingress]).get() == .ingress)
    }

    @Test func aWrongVersionAnUnknownRoleOrAnotherMessageIsRefusedWithTheReason() {
        let old = Handshake.accept(.hello(version: 0, role: "ingress"), allowed: [.ingress])
        #expect(throws: LinkError.self) { try old.get() }
        if case let .failure(e) = old { #expect(e.description.contains("protocol 0, expected \(Message.protocolVersion)")) }
        if case let .failure(e) = Handshake.accept(.hello(version: Message.protocolVersion, role: "worker"), allowed: [.ingress]) {
            #expect(e.description.contains("'worker' may not connect here (allowed: ingress)"))
        } else { Issue.record("a worker was let in where only ingress may connect") }
        if case let .failure(e) = Handshake.accept(.ready, allowed: [.ingress]) {
            #expect(e.description == "expected hello, got ready")
        } else { Issue.record("a link that did not start with hello was accepted") }
    }
}

/// The in-memory transport the process unit tests run on.
@Suite struct EmbeddedLinkTests {
    @Test func messagesArriveInOrderWhenTheReactorRuns() throws {
        let reactor = EmbeddedReactor()
        let server = try reactor.listenAsPeer(at: "svc")
        let client = try reactor.connectPeer(to: "svc")
        client.send(.ping(sequence: 1), .ping(sequence: 2))
        #expect(server.accepted.count == 1 && server.accepted[0].received.isEmpty)
        reactor.run()
        #expect(server.accepted[0].take() == [.ping(sequence: 1), .ping(sequence: 2)])
        client.link.close()
        reactor.run()
        #expect(server.accepted[0].ended?.description == "peer closed the connection")
    }

    @Test func connectingWhereNothingListensFails() {
        let reactor = EmbeddedReactor()
        var outcome: Result<MessageLink, LinkError>?
        reactor.connect(to: "nowhere", label: "t") { outcome = $0 }
        reactor.run()
        #expect(throws: LinkError.self) { try outcome?.get() }
    }

    @Test func timersFireOnlyAsTheClockPassesThemInOrder() {
        let reactor = EmbeddedReactor()
        var fired: [String] = []
        let a = reactor.makeTimer(), b = reactor.makeTimer()
        a.start(afterMilliseconds: 20) { fired.append("a") }
        b.start(afterMilliseconds: 5, repeat: 10) { fired.append("b") }
        reactor.advance(byMilliseconds: 4)
        #expect(fired.isEmpty)
        reactor.advance(byMilliseconds: 21)  // now 25 ms: b at 5, 15, 25; a at 20
        #expect(fired == ["b", "b", "a", "b"])
        b.stop()
        reactor.advance(byMilliseconds: 100)
        #expect(fired.count == 4)
    }
}
