#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys and values of every layer for a fixed number of sequence slots, stored as IEEE
/// half floats (as llama.cpp does), in one anonymous memory mapping.
///
/// The mapping is reserved for every slot's full context but the OS only backs the pages a
/// sequence has touched, so resident memory follows the tokens actually cached; a released
/// slot hands its pages back.
final class KVCache: @unchecked Sendable {
    // Safety: slots are owned by one sequence at a time, and only the engine thread writes.
    let slotCount: Int
    let layerCount: Int
    /// Tokens each slot holds at most (the context length).
    let capacity: Int
    /// Floats per token per layer for keys (and again for values).
    let kvDimension: Int
    private let base: UnsafeMutableRawPointer
    private let byteCount: Int

    private var layerStride: Int { 2 * capacity * kvDimension }
    private var slotStride: Int { layerCount * layerStride }

    init(slotCount: Int, layerCount: Int, capacity: Int, kvDimension: Int) throws(EngineError) {
        self.slotCount = slotCount
        self.layerCount = layerCount
        self.capacity = capacity
        self.kvDimension = kvDimension
        let (elements, overflow) = (slotCount * layerCount * 2 * kvDimension).multipliedReportingOverflow(by: capacity)
        guard !overflow, elements > 0 else { throw .invalidRequest("KV cache size overflows") }
        byteCount = elements * MemoryLayout<UInt16>.stride
        let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let address, address != MAP_FAILED else {
            throw .invalidRequest("cannot reserve \(byteCount >> 20) MiB for the KV cache")
        }
        base = address
    }

    deinit {
        munmap(base, byteCount)
    }

    /// Keys of `layer` for `slot`: `capacity` rows of `kvDimension` halves.
    func keys(slot: Int, layer: Int) -> UnsafeMutablePointer<UInt16> {
        base.assumingMemoryBound(to: UInt16.self) + slot * slotStride + layer * layerStride
    }

    func values(slot: Int, layer: Int) -> UnsafeMutablePointer<UInt16> {
        keys(slot: slot, layer: layer) + capacity * kvDimension
    }

    /// Returns the slot's pages to the OS (their contents become zeros).
    func release(slot: Int) {
        let start = base + slot * slotStride * MemoryLayout<UInt16>.stride
        madvise(start, slotStride * MemoryLayout<UInt16>.stride, Int32(MADV_DONTNEED))
    }
}
