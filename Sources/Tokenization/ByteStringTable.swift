#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only hash table from byte strings to `Int32`, storing the strings in one
/// buffer: vocabulary lookups during loading run hundreds of thousands of times, and a
/// `Dictionary` of arrays spends most of that in seeding hashers and generic comparisons.
struct ByteStringTable: Sendable {
    private var storage: [UInt8] = []
    /// Per entry: where its bytes start and end in `storage`, and its value.
    private var starts: [Int32] = []
    private var ends: [Int32] = []
    private var values: [Int32] = []
    /// Open-addressing slots: the hash's high 32 bits, then entry index + 1 (0 = empty).
    private var slots: [UInt64]
    private var mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        storage.reserveCapacity(capacity * 8)
        starts.reserveCapacity(capacity)
        ends.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    var count: Int { values.count }

    /// FNV-1a, 64-bit: cheap and good enough for short token texts.
    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash ^ (hash >> 29)
    }

    /// The slot holding `bytes`, or the empty slot where it would go.
    @inline(__always)
    private func slot(for bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        var index = Int(truncatingIfNeeded: hash) & mask
        let tag = hash & 0xFFFF_FFFF_0000_0000
        return storage.withUnsafeBufferPointer { stored in
            while true {
                let slot = slots[index]
                if slot == 0 { return index }
                if slot & 0xFFFF_FFFF_0000_0000 == tag {
                    let entry = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                    let start = Int(starts[entry]), end = Int(ends[entry])
                    if end - start == bytes.count, Self.equal(stored, start, bytes) { return index }
                }
                index = (index + 1) & mask
            }
        }
    }

    @inline(__always)
    private static func equal(_ stored: UnsafeBufferPointer<UInt8>, _ start: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let storedBase = stored.baseAddress, let base = bytes.baseAddress else { return bytes.isEmpty }
        return memcmp(storedBase + start, base, bytes.count) == 0
    }

    @inline(__always)
    private func entry(at slot: Int) -> Int? {
        let value = slots[slot] & 0xFFFF_FFFF
        return value == 0 ? nil : Int(value) - 1
    }

    func value(for bytes: some Collection<UInt8>) -> Int32? {
        let result = bytes.withContiguousStorageIfAvailable { buffer -> Int32? in
            entry(at: slot(for: buffer, hash: Self.hash(buffer))).map { values[$0] }
        }
        if let result { return result }
        return Array(bytes).withUnsafeBufferPointer { buffer in
            entry(at: slot(for: buffer, hash: Self.hash(buffer))).map { values[$0] }
        }
    }

    func value(for text: String) -> Int32? {
        var text = text
        return text.withUTF8 { value(for: $0) }
    }

    /// Sets the value for `bytes` (replacing an earlier one, as `token_to_id[word] = i` does).
    mutating func set(_ bytes: UnsafeBufferPointer<UInt8>, _ value: Int32) {
        if count * 2 >= slots.count { grow() }
        let hash = Self.hash(bytes)
        let index = slot(for: bytes, hash: hash)
        if let existing = entry(at: index) {
            values[existing] = value
            return
        }
        starts.append(Int32(storage.count))
        storage.append(contentsOf: bytes)
        ends.append(Int32(storage.count))
        values.append(value)
        slots[index] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(values.count)
    }

    /// The value for `bytes`, inserting `makeValue()` when absent.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, _ makeValue: () -> Int32) -> Int32 {
        if let existing = value(for: bytes) { return existing }
        let value = makeValue()
        set(bytes, value)
        return value
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for entry in values.indices {
            let hash = storage.withUnsafeBufferPointer { stored in
                Self.hash(UnsafeBufferPointer(rebasing: stored[Int(starts[entry])..<Int(ends[entry])]))
            }
            var index = Int(truncatingIfNeeded: hash) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(entry + 1)
        }
    }
}
