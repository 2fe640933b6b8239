/// The batch being chosen: a view of the host's id buffers, so an answer
/// costs no allocation and a C plugin writes into the same memory.
public struct BatchBuilder {
    private let ids: UnsafeMutablePointer<ItemID>
    private let expireIDs: UnsafeMutablePointer<ItemID>?
    public let expireCapacity: Int
    /// The batch limit: how many ids fit.
    public let capacity: Int
    /// Ids appended so far.
    public private(set) var count = 0
    /// Ids given up so far.
    public private(set) var expiredCount = 0
    /// How many ids the strategy claimed to write: more than `capacity`
    /// only when a foreign strategy answered nonsense (the host refuses it).
    public private(set) var claimedCount = 0
    /// The same for given-up ids.
    public private(set) var claimedExpiredCount = 0

    /// For hosts and adapters: `ids` has room for `capacity` ids.
    public init(ids: UnsafeMutablePointer<ItemID>, capacity: Int, expireIDs: UnsafeMutablePointer<ItemID>?, expireCapacity: Int) {
        self.ids = ids
        self.capacity = capacity
        self.expireIDs = expireIDs
        self.expireCapacity = expireCapacity
    }

    public var isFull: Bool { count >= capacity }

    /// Appends `id`; false (and nothing written) when the batch is full.
    @discardableResult
    public mutating func append(_ id: ItemID) -> Bool {
        guard count < capacity else { return false }
        ids[count] = id
        count += 1
        claimedCount = count
        return true
    }

    /// Gives up on a queued item that can no longer meet its deadline: the
    /// host answers it "expired" and never runs it. Forget it afterwards.
    /// False (nothing recorded) when the host's buffer is full this time.
    @discardableResult
    public mutating func expire(_ id: ItemID) -> Bool {
        guard let expireIDs, expiredCount < expireCapacity else { return false }
        expireIDs[expiredCount] = id
        expiredCount += 1
        claimedExpiredCount = expiredCount
        return true
    }

    /// The appended ids, in order.
    public var appended: UnsafeBufferPointer<ItemID> { UnsafeBufferPointer(start: ids, count: count) }
    /// The ids given up.
    public var expired: UnsafeBufferPointer<ItemID> { UnsafeBufferPointer(start: expireIDs, count: expiredCount) }

    /// For adapters of foreign strategies: the raw buffers to hand on, and
    /// what the foreign code then said it wrote. A claim past a buffer's
    /// room is kept in `claimedCount` (for the refusal) but never read.
    public var rawIDs: UnsafeMutablePointer<ItemID> { ids }
    public var rawExpireIDs: UnsafeMutablePointer<ItemID>? { expireIDs }
    public mutating func adopt(claimed: Int, expired: Int) {
        claimedCount = claimed
        claimedExpiredCount = expired
        count = min(claimed, capacity)
        expiredCount = min(expired, expireCapacity)
    }
}
