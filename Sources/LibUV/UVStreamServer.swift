import CLibUV

/// What every listening libuv stream shares (a Unix socket, a TCP port):
/// listen, accept each peer as a new stream of type `Client`, close.
/// Subclasses add how the socket is made and bound.
open class UVStreamServer<H, Client: UVAcceptable>: UVHandle<H>, ServerEvents {
    let loop: UVLoop
    private var onConnection: ((Result<Client, UVError>) -> Void)?
    /// Where it is bound, for error messages.
    open var boundDescription: String { "" }

    /// Subclasses call this, then their `uv_*_init` and `adopt()`.
    init(serverOn loop: UVLoop) {
        self.loop = loop
        super.init()
    }

    /// Starts accepting; `onConnection` runs on the loop for each peer.
    public func listen(backlog: Int32 = 128, _ onConnection: @escaping (Result<Client, UVError>) -> Void) throws {
        self.onConnection = onConnection
        let stream = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: uv_stream_t.self)
        // The callback cannot name the generic types: it reaches the owner
        // through the non-generic `ServerEvents`.
        try UVError.check(uv_listen(stream, backlog) { s, status in
            let owner = Unmanaged<AnyObject>.fromOpaque(s!.pointee.data!).takeUnretainedValue() as! ServerEvents
            owner.peerArrived(status: status)
        }, "listen \(boundDescription)")
    }

    func peerArrived(status: Int32) {
        guard status >= 0 else {
            onConnection?(.failure(UVError(code: status, context: "accept on \(boundDescription)")))
            return
        }
        do {
            let client = try Client(loop: loop)
            let rc = uv_accept(UnsafeMutableRawPointer(raw).assumingMemoryBound(to: uv_stream_t.self), client.stream)
            if rc < 0 {
                client.close()
                onConnection?(.failure(UVError(code: rc, context: "accept on \(boundDescription)")))
            } else {
                onConnection?(.success(client))
            }
        } catch let e as UVError {
            onConnection?(.failure(e))
        } catch {}
    }

    override open func willClose() {
        onConnection = nil
    }
}

/// A stream a server can accept a peer into.
public protocol UVAcceptable: ByteStream {
    init(loop: UVLoop) throws
    var stream: UnsafeMutablePointer<uv_stream_t> { get }
}

extension UVPipe: UVAcceptable {}
extension UVTcp: UVAcceptable {}

/// The accept event a C callback delivers, without the generic types.
protocol ServerEvents: AnyObject {
    func peerArrived(status: Int32)
}
