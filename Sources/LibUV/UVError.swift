import CLibUV

/// A libuv call failed. Carries what was being done so the message can be
/// acted on ("connect /run/ferry/worker.sock: no such file or directory").
public struct UVError: Error, CustomStringConvertible {
    /// libuv's negative error code (`UV_ENOENT`, …).
    public let code: Int32
    /// What was being attempted, and on what.
    public let context: String

    public init(code: Int32, context: String) {
        self.code = code
        self.context = context
    }

    /// libuv's name for the code, e.g. `ECONNREFUSED`.
    public var name: String { String(cString: uv_err_name(code)) }

    public var description: String { "\(context): \(String(cString: uv_strerror(code))) (\(name))" }

    /// Throws when `result` is a libuv error.
    @discardableResult
    static func check(_ result: Int32, _ context: @autoclosure () -> String) throws -> Int32 {
        if result < 0 { throw UVError(code: result, context: context()) }
        return result
    }
}
