/// The ids of a finished batch, in dispatch order: a read-only view of the
/// host's memory for the length of the call (`Array(ids)` keeps a copy).
/// A strategy iterates or indexes it like any collection — no pointer in
/// its hands.
public struct BatchIDs: RandomAccessCollection {
    private let base: UnsafeBufferPointer<ItemID>

    /// For hosts and adapters.
    public init(_ base: UnsafeBufferPointer<ItemID>) {
        self.base = base
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { base.count }
    public subscript(position: Int) -> ItemID { base[position] }

    /// For adapters handing the ids on to C.
    public var rawBuffer: UnsafeBufferPointer<ItemID> { base }
}
