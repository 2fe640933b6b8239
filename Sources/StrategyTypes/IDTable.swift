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
    /// 0 marks an empty slot: ids start at 1.
    @exclusivity(unchecked) @usableFromInline var keys: UnsafeMutablePointer<UInt64>
    /// Initialised exactly where `keys` is not 0.
    @exclusivity(unchecked) @usableFromInline var values: UnsafeMutablePointer<Value>
    /// Per slot, how many ids with that home slot are in `overflow`: a
    /// lookup of an id that is not held looks no further while it is 0.
    @exclusivity(unchecked) @usableFromInline var displaced: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) @usableFromInline var mask: Int
    /// Older ids whose home slot a newer id took (the newest keeps the slot:
    /// the recent ids are the ones a strategy keeps asking about).
    @usableFromInline var overflow: [UInt64: Value] = [:]
    @exclusivity(unchecked) @usableFromInline var live = 0

    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        (keys, values, displaced) = Self.allocate(size)
        mask = size - 1
    }

    deinit {
        for slot in 0...mask where keys[slot] != 0 { (values + slot).deinitialize(count: 1) }
        Self.release(keys)
        Self.release(values)
        Self.release(displaced)
    }

    /// Live entries, slots and overflow together.
    public var count: Int { live }
    public var isEmpty: Bool { live == 0 }

    /// The value for `id`, or nil.
    @inlinable
    public subscript(id: UInt64) -> Value? {
        let slot = Int(truncatingIfNeeded: id) & mask
        if keys[slot] == id { return values[slot] }
        return displaced[slot] == 0 ? nil : overflow[id]
    }

    /// Whether `id` is held: one key read, and one count when it is not there.
    @inlinable
    public func contains(_ id: UInt64) -> Bool {
        let slot = Int(truncatingIfNeeded: id) & mask
        if keys[slot] == id { return true }
        return displaced[slot] != 0 && overflow[id] != nil
    }

    /// Adds or replaces `id`'s value.
    @inlinable
    public func insert(_ id: UInt64, _ value: Value) {
        precondition(id != 0, "IDTable: id 0 is reserved for empty slots")
        let slot = Int(truncatingIfNeeded: id) & mask
        let held = keys[slot]
        if held == id {
            values[slot] = value
            return
        }
        if displaced[slot] != 0, overflow[id] != nil {
            overflow[id] = value
            return
        }
        if held == 0 {
            keys[slot] = id
            (values + slot).initialize(to: value)
        } else if held < id {
            // The newer id takes the slot; the older one moves aside.
            overflow[held] = (values + slot).move()
            displaced[slot] += 1
            keys[slot] = id
            (values + slot).initialize(to: value)
        } else {
            overflow[id] = value
            displaced[slot] += 1
        }
        live += 1
        if live * 2 > mask + 1 { grow() }
    }

    /// Removes `id`; its value, or nil when it was not held.
    @inlinable
    @discardableResult
    public func remove(_ id: UInt64) -> Value? {
        let slot = Int(truncatingIfNeeded: id) & mask
        if keys[slot] == id {
            keys[slot] = 0
            live -= 1
            return (values + slot).move()
        }
        guard displaced[slot] != 0, let value = overflow.removeValue(forKey: id) else { return nil }
        displaced[slot] -= 1
        live -= 1
        return value
    }

    /// Removes `id` without reading its value where the value is plain data
    /// (nothing to release): no touch of the value's memory, which at depth
    /// 100,000 is a cache miss. False when it was not held.
    @inlinable
    @discardableResult
    public func discard(_ id: UInt64) -> Bool {
        let slot = Int(truncatingIfNeeded: id) & mask
        if keys[slot] == id {
            keys[slot] = 0
            live -= 1
            if !_isPOD(Value.self) { (values + slot).deinitialize(count: 1) }
            return true
        }
        return remove(id) != nil
    }

    /// Every id and value, in no particular order.
    public func forEach(_ body: (UInt64, Value) throws -> Void) rethrows {
        for slot in 0...mask where keys[slot] != 0 { try body(keys[slot], values[slot]) }
        for (id, value) in overflow { try body(id, value) }
    }

    private static func allocate(_ size: Int) -> (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<Value>, UnsafeMutablePointer<UInt32>) {
        let keys = buffer(UInt64.self, size)
        keys.initialize(repeating: 0, count: size)
        let displaced = buffer(UInt32.self, size)
        displaced.initialize(repeating: 0, count: size)
        return (keys, buffer(Value.self, size), displaced)
    }

    /// Room for `count` values; from 2 MiB up, aligned to and advised as huge
    /// pages (where the kernel's transparent huge pages are on for `madvise`):
    /// a deep queue's lookups land anywhere in megabytes, and 4 KiB pages
    /// turned many of them into TLB misses. Released with `release`.
    private static func buffer<T>(_ type: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(1, count * MemoryLayout<T>.stride)
        let huge = 2 << 20
        var raw: UnsafeMutableRawPointer?
        let alignment = bytes >= huge ? huge : max(64, MemoryLayout<T>.alignment)
        guard posix_memalign(&raw, alignment, bytes) == 0, let raw else {
            fatalError("IDTable: cannot allocate \(bytes) bytes")
        }
        if bytes >= huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    private static func release<T>(_ pointer: UnsafeMutablePointer<T>) {
        free(UnsafeMutableRawPointer(pointer))
    }

    /// Doubles the table and puts every entry back, newest ids first into
    /// their home slots.
    @usableFromInline
    func grow() {
        let oldKeys = keys, oldValues = values, oldSize = mask + 1
        var entries: [(UInt64, Value)] = []
        entries.reserveCapacity(live)
        for slot in 0..<oldSize where oldKeys[slot] != 0 { entries.append((oldKeys[slot], (oldValues + slot).move())) }
        for (id, value) in overflow { entries.append((id, value)) }
        overflow = [:]
        Self.release(oldKeys)
        Self.release(oldValues)
        Self.release(displaced)
        let size = oldSize * 2
        (keys, values, displaced) = Self.allocate(size)
        mask = size - 1
        entries.sort { $0.0 > $1.0 }
        for (id, value) in entries {
            let slot = Int(truncatingIfNeeded: id) & mask
            if keys[slot] == 0 {
                keys[slot] = id
                (values + slot).initialize(to: value)
            } else {
                overflow[id] = value
                displaced[slot] += 1
            }
        }
    }
}
