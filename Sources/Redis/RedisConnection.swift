import CRedis
import LibUV

/// One asynchronous connection to Redis on a libuv loop, through hiredis
/// (`redisAsyncCommandArgv`: binary-safe arguments, no format string).
///
/// Life: `init` starts connecting (commands sent before it is up are
/// queued); `onClose` runs exactly once, when the connection failed, was
/// lost, or was closed by `close()`, and every command still waiting is
/// answered `.error` first. The connection keeps itself alive until then.
/// Use it only on its loop's thread.
public final class RedisConnection {
    public let address: RedisAddress
    private var context: UnsafeMutablePointer<redisAsyncContext>?
    private var onConnect: (() -> Void)?
    private var onClose: ((RedisError?) -> Void)?

    /// A command's callback, boxed to cross hiredis' `void *privdata`.
    private final class Pending {
        let done: (RedisReply) -> Void
        init(_ done: @escaping (RedisReply) -> Void) { self.done = done }
    }

    /// Starts connecting to `address` on `loop`. `onConnect` runs once it is
    /// up; `onClose` once it is over (nil error: closed by `close()`).
    public init(loop: UVLoop, address: RedisAddress,
                onConnect: @escaping () -> Void = {}, onClose: @escaping (RedisError?) -> Void) throws(RedisError) {
        self.address = address
        let made: UnsafeMutablePointer<redisAsyncContext>? = switch address {
        case let .tcp(host, port): redisAsyncConnect(host, port)
        case let .unix(path): redisAsyncConnectUnix(path)
        }
        guard let made else { throw RedisError("cannot connect to Redis at \(address): out of memory") }
        if made.pointee.err != 0 {
            let reason = String(cString: made.pointee.errstr)
            redisAsyncFree(made)
            throw RedisError("cannot connect to Redis at \(address): \(reason)")
        }
        guard ferry_redis_attach(made, loop.raw) == REDIS_OK else {
            redisAsyncFree(made)
            throw RedisError("cannot watch the Redis connection to \(address) on the loop")
        }
        context = made
        self.onConnect = onConnect
        self.onClose = onClose
        // Released when hiredis says the context is over (either callback below).
        ferry_redis_set_data(made, Unmanaged.passRetained(self).toOpaque())
        redisAsyncSetConnectCallback(made) { context, status in
            guard let context, let me = RedisConnection.owner(of: context) else { return }
            if status == REDIS_OK {
                me.onConnect?()
            } else {
                // hiredis frees the context after this callback.
                me.finish(RedisError("cannot connect to Redis at \(me.address): \(String(cString: context.pointee.errstr))"))
            }
        }
        redisAsyncSetDisconnectCallback(made) { context, status in
            guard let context, let me = RedisConnection.owner(of: context) else { return }
            me.finish(status == REDIS_OK ? nil : RedisError("lost the Redis connection to \(me.address): \(String(cString: context.pointee.errstr))"))
        }
    }

    private static func owner(of context: UnsafePointer<redisAsyncContext>) -> RedisConnection? {
        guard let data = ferry_redis_data(context) else { return nil }
        return Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue()
    }

    /// The context is gone (hiredis frees it): report once and let go of self.
    private func finish(_ error: RedisError?) {
        guard let made = context else { return }
        context = nil
        onConnect = nil
        let close = onClose
        onClose = nil
        ferry_redis_set_data(made, nil)
        close?(error)
        Unmanaged.passUnretained(self).release()
    }

    /// Whether commands can still be sent.
    public var isOpen: Bool { context != nil }

    /// Sends one command (`["XACK", key, group, id]`); `done` gets its reply,
    /// or `.error` if the connection ends first.
    public func command(_ arguments: [[UInt8]], _ done: @escaping (RedisReply) -> Void) {
        guard let context else {
            done(.error("not connected to Redis at \(address)"))
            return
        }
        // hiredis copies the arguments into its output buffer during the call.
        let joined = arguments.flatMap { $0 }
        let lengths = arguments.map(\.count)
        let pending = Unmanaged.passRetained(Pending(done)).toOpaque()
        let status = joined.withUnsafeBufferPointer { bytes in
            var offset = 0
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(arguments.count)
            let base = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            for length in lengths {
                pointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { argvlen in
                    redisAsyncCommandArgv(context, { _, reply, privdata in
                        guard let privdata else { return }
                        let pending = Unmanaged<Pending>.fromOpaque(privdata).takeRetainedValue()
                        if let reply {
                            pending.done(RedisReply(reply.assumingMemoryBound(to: redisReply.self)))
                        } else {
                            pending.done(.error("the Redis connection closed before the reply"))
                        }
                    }, pending, Int32(arguments.count), argv.baseAddress, argvlen.baseAddress)
                }
            }
        }
        if status != REDIS_OK {
            Unmanaged<Pending>.fromOpaque(pending).release()
            done(.error("cannot send to Redis at \(address) (connection closing)"))
        }
    }

    /// `command` with text arguments.
    public func command(_ arguments: [String], _ done: @escaping (RedisReply) -> Void) {
        command(arguments.map { Array($0.utf8) }, done)
    }

    /// Closes at once: commands still waiting (a blocking read) are answered
    /// `.error`, then `onClose(nil)` runs. Safe inside a reply's callback
    /// (hiredis then frees the context when the callback returns).
    public func abort() {
        guard let context else { return }
        redisAsyncFree(context)
    }

    /// Closes after the replies already asked for arrive; `onClose(nil)` follows.
    public func close() {
        guard let context else { return }
        redisAsyncDisconnect(context)
    }
}
