#if canImport(Glibc)
import Glibc
#endif

/// A map from item ids to values, built for how ids are made: the host
/// hands them out in increasing order, so the live ones are nearly always a
/// dense recent range. Each id has one home slot (`id & mask`) in a flat
/// table — no hashing, no probing, neighbours in arrival order are
/// neighbours in memory — and the rare id whose slot is held by another
/// live id (one that has waited while `capacity` newer ids went by) lives
/// in a small overflow dictionary. Lookups, inserts and removals are O(1);
/// a lookup of an id that is gone (the lazy-deletion indexes ask that all
/// the time) reads one key.
///
/// The scheduling core keeps its queue in one and so does the SDK for a
/// strategy (`QueuedItems`): a Swift `Dictionary` spent most of a decision
/// hashing at depth 100,000.
public final class IDTable<Value> {
    // The storage is only reached through this class, one thread at a time
    // (every strategy call comes from one thread): no dynamic exclusivity
    // check per lookup.
    /// One slot per home position, `stride` bytes each: the key (0 marks an
    /// empty slot: ids start at 1), how many ids with this home slot are in
    /// `overflow` (a lookup of an id that is not held looks no further while
    /// it is 0), and the value, initialised exactly where the key is not 0.
    /// Side by side, not in three arrays: at depth 100,000 every lookup is a
    /// cache miss, and a key check followed by a value read, or a removal
    /// that finds the id gone and reads the count, then costs one miss
    /// instead of two (a decision's largest cost there).
    @exclusivity(unchecked) @usableFromInline var slots: UnsafeMutableRawPointer
    @exclusivity(unchecked) @usableFromInline var mask: Int
    /// Older ids whose home slot a newer id took (the newest keeps the slot:
    /// the recent ids are the ones a strategy keeps asking about).
    @usableFromInline var overflow: [UInt64: Value] = [:]
    @exclusivity(unchecked) @usableFromInline var live = 0

    /// The value's offset in a slot, after the key and the count.
    @usableFromInline static var valueOffset: Int { max(16, MemoryLayout<Value>.alignment) }
    /// A slot's size: a power of two up to 64 bytes, so no slot straddles
    /// two cache lines (the table is 64-byte aligned).
    @usableFromInline static var stride: Int {
        let bytes = valueOffset + MemoryLayout<Value>.size
        guard bytes <= 64 else { return (bytes + 15) & ~15 }
        var size = 16
        while size < bytes { size <<= 1 }
        return size
    }

    // Keys and counts are read and written as raw bytes (never bound to a
    // type); a value's bytes are bound to `Value` where it is initialised.
    @inlinable @inline(__always)
    func keyAt(_ slot: Int) -> UInt64 {
        slots.load(fromByteOffset: slot &* Self.stride, as: UInt64.self)
    }

    @inlinable @inline(__always)
    func setKey(_ slot: Int, _ id: UInt64) {
        slots.storeBytes(of: id, toByteOffset: slot &* Self.stride, as: UInt64.self)
    }

    @inlinable @inline(__always)
    func displacedAt(_ slot: Int) -> UInt32 {
        slots.load(fromByteOffset: slot &* Self.stride &+ 8, as: UInt32.self)
    }

    @inlinable @inline(__always)
    func addDisplaced(_ slot: Int, _ delta: Int32) {
        slots.storeBytes(of: UInt32(Int32(displacedAt(slot)) + delta), toByteOffset: slot &* Self.stride &+ 8, as: UInt32.self)
    }

    /// The value of an occupied slot (its bytes were bound by `initValue`).
    @inlinable @inline(__always)
    func value(_ slot: Int) -> UnsafeMutablePointer<Value> {
        (slots + (slot &* Self.stride &+ Self.valueOffset)).assumingMemoryBound(to: Value.self)
    }

    @inlinable @inline(__always)
    func initValue(_ slot: Int, _ value: Value) {
        (slots + (slot &* Self.stride &+ Self.valueOffset)).initializeMemory(as: Value.self, to: value)
    }

    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Self.allocate(size)
        mask = size - 1
    }

    deinit {
        for slot in 0...mask where keyAt(slot) != 0 { value(slot).deinitialize(count: 1) }
        free(slots)
    }

    /// Live entries, slots and overflow together.
    public var count: Int { live }
    public var isEmpty: Bool { live == 0 }

    /// The value for `id`, or nil.
    @inlinable
    public subscript(id: UInt64) -> Value? {
        let slot = Int(truncatingIfNeeded: id) & mask
        if keyAt(slot) == id { return value(slot).pointee }
        return displacedAt(slot) == 0 ? nil : overflow[id]
    }

    /// Whether `id` is held: one key read, and one count when it is not there.
    @inlinable
    public func contains(_ id: UInt64) -> Bool {
        let slot = Int(truncatingIfNeeded: id) & mask
        if keyAt(slot) == id { return true }
        return displacedAt(slot) != 0 && overflow[id] != nil
    }

    /// Adds or replaces `id`'s value.
    @inlinable
    public func insert(_ id: UInt64, _ value: Value) {
        precondition(id != 0, "IDTable: id 0 is reserved for empty slots")
        let slot = Int(truncatingIfNeeded: id) & mask
        let held = keyAt(slot)
        if held == id {
            self.value(slot).pointee = value
            return
        }
        if displacedAt(slot) != 0, overflow[id] != nil {
            overflow[id] = value
            return
        }
        if held == 0 {
            setKey(slot, id)
            initValue(slot, value)
        } else if held < id {
            // The newer id takes the slot; the older one moves aside.
            overflow[held] = self.value(slot).move()
            addDisplaced(slot, 1)
            setKey(slot, id)
            initValue(slot, value)
        } else {
            overflow[id] = value
            addDisplaced(slot, 1)
        }
        live += 1
        if live * 2 > mask + 1 { grow() }
    }

    /// Removes `id`; its value, or nil when it was not held.
    @inlinable
    @discardableResult
    public func remove(_ id: UInt64) -> Value? {
        let slot = Int(truncatingIfNeeded: id) & mask
        if keyAt(slot) == id {
            setKey(slot, 0)
            live -= 1
            return self.value(slot).move()
        }
        guard displacedAt(slot) != 0, let value = overflow.removeValue(forKey: id) else { return nil }
        addDisplaced(slot, -1)
        live -= 1
        return value
    }

    /// Removes `id` without reading its value where the value is plain data
    /// (nothing to release). False when it was not held.
    @inlinable
    @discardableResult
    public func discard(_ id: UInt64) -> Bool {
        let slot = Int(truncatingIfNeeded: id) & mask
        if keyAt(slot) == id {
            setKey(slot, 0)
            live -= 1
            if !_isPOD(Value.self) { value(slot).deinitialize(count: 1) }
            return true
        }
        return remove(id) != nil
    }

    /// Every id and value, in no particular order.
    public func forEach(_ body: (UInt64, Value) throws -> Void) rethrows {
        for slot in 0...mask where keyAt(slot) != 0 { try body(keyAt(slot), value(slot).pointee) }
        for (id, value) in overflow { try body(id, value) }
    }

    /// Room for `count` slots, keys and counts zeroed; from 2 MiB up,
    /// aligned to and advised as huge pages (where the kernel's transparent
    /// huge pages are on for `madvise`): a deep queue's lookups land anywhere
    /// in megabytes, and 4 KiB pages turned many of them into TLB misses.
    private static func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        let bytes = max(1, count * stride)
        let huge = 2 << 20
        var raw: UnsafeMutableRawPointer?
        let alignment = bytes >= huge ? huge : max(64, MemoryLayout<Value>.alignment)
        guard posix_memalign(&raw, alignment, bytes) == 0, let raw else {
            fatalError("IDTable: cannot allocate \(bytes) bytes")
        }
        if bytes >= huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }
        for slot in 0..<count {
            raw.storeBytes(of: 0 as UInt64, toByteOffset: slot * stride, as: UInt64.self)
            raw.storeBytes(of: 0 as UInt32, toByteOffset: slot * stride + 8, as: UInt32.self)
        }
        return raw
    }

    /// Doubles the table and puts every entry back, newest ids first into
    /// their home slots.
    @usableFromInline
    func grow() {
        let oldSize = mask + 1
        var entries: [(UInt64, Value)] = []
        entries.reserveCapacity(live)
        for slot in 0..<oldSize where keyAt(slot) != 0 { entries.append((keyAt(slot), value(slot).move())) }
        for (id, value) in overflow { entries.append((id, value)) }
        overflow = [:]
        free(slots)
        let size = oldSize * 2
        slots = Self.allocate(size)
        mask = size - 1
        entries.sort { $0.0 > $1.0 }
        for (id, value) in entries {
            let slot = Int(truncatingIfNeeded: id) & mask
            if keyAt(slot) == 0 {
                setKey(slot, id)
                initValue(slot, value)
            } else {
                overflow[id] = value
                addDisplaced(slot, 1)
            }
        }
    }
}
