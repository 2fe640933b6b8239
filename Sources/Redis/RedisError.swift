/// Why a Redis connection could not be made or was lost, with the address.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
