import Link
import StrategyTypes
import Wire

/// The scheduler's ingress side: the ingress links, and every request held
/// for them until its answer went back. Routes an answer from the core's
/// item id to the link and the request id it came from; makes a resubmission
/// of a held request (after a scheduler restart the ingress sends again what
/// it holds) a no-op.
final class HeldRequests {
    /// A request held until its answer went back.
    /// A link's number: never reused, unlike an object's address (held
    /// entries outlive their link, and a new link may get the old address).
    typealias LinkID = Int

    struct Held {
        var link: LinkID
        var requestID: UInt64
        var payload: [UInt8]
        var acceptedNs: Int64
        /// Backend crashes this request was part of (see `LossVerdicts`).
        var strikes = 0
    }

    private(set) var links: [LinkID: MessageLink] = [:]
    private var byRequest: [LinkID: [UInt64: ItemID]] = [:]
    private var held: [ItemID: Held] = [:]
    private var nextLink = 1

    /// Registers a new ingress link (named `ingress#N` for logs).
    func add(_ link: MessageLink) -> LinkID {
        let key = nextLink
        link.label = "ingress#\(key)"
        nextLink += 1
        links[key] = link
        byRequest[key] = [:]
        return key
    }

    /// Forgets a link that ended. Its requests that `withdraw` takes back
    /// (the queued ones: they would run for nobody) are forgotten too; the
    /// rest are in flight and stay held until their answer, which then goes
    /// nowhere. Returns how many were withdrawn.
    func remove(_ key: LinkID, withdraw: (ItemID) -> Bool) -> Int {
        links[key] = nil
        var withdrawn = 0
        for id in (byRequest.removeValue(forKey: key) ?? [:]).values where withdraw(id) {
            held[id] = nil
            withdrawn += 1
        }
        return withdrawn
    }

    /// The item already held for this request of this link, if any.
    func item(for requestID: UInt64, on key: LinkID) -> ItemID? {
        byRequest[key]?[requestID]
    }

    func hold(_ id: ItemID, request requestID: UInt64, on key: LinkID, payload: [UInt8], acceptedNs: Int64) {
        held[id] = Held(link: key, requestID: requestID, payload: payload, acceptedNs: acceptedNs)
        byRequest[key]?[requestID] = id
    }

    subscript(id: ItemID) -> Held? { held[id] }

    /// Counts one more backend crash against `id`; the new count.
    func strike(_ id: ItemID) -> Int? {
        held[id]?.strikes += 1
        return held[id]?.strikes
    }

    /// Drops a request whose client went away.
    func forget(_ id: ItemID) {
        guard let h = held.removeValue(forKey: id) else { return }
        byRequest[h.link]?[h.requestID] = nil
    }

    /// Sends the request's one answer and forgets it; nothing if it was
    /// answered already or its link is gone.
    func answer(_ id: ItemID, status: Status, bytes: [UInt8]) {
        guard let h = held.removeValue(forKey: id) else { return }
        byRequest[h.link]?[h.requestID] = nil
        links[h.link]?.send(.result(RequestResult(id: h.requestID, status: status, body: bytes)))
    }

    func answer(_ id: ItemID, status: Status, body: String) {
        answer(id, status: status, bytes: Array(body.utf8))
    }

    func broadcast(_ messages: [Message]) {
        for link in links.values { link.send(messages) }
    }

    func closeAll() {
        for link in Array(links.values) { link.close() }
    }
}
