#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys and values of every layer for a fixed number of sequence slots, stored as IEEE
/// half floats (as llama.cpp does), in one anonymous memory mapping.
///
/// A full-attention layer keeps one row per position of the context. A sliding-window layer
/// (gemma3) keeps only a ring of `window + batch - 1` rows, each row written twice (at `r`
/// and `r + ring`), so the last `window` positions are always one contiguous run of rows and
/// the attention kernels read them as they read a full layer. Long contexts so cost what
/// llama.cpp's iSWA cache costs.
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
    /// Per layer: the ring length of a sliding layer, nil for a full layer.
    let ringLengths: [Int?]
    /// How far a slot's cached sequence may run past a reused prefix before the rings have
    /// overwritten the window that prefix's continuation needs; nil when no layer is a ring.
    let reuseOverhang: Int?
    /// Per layer: rows stored (the context, or twice the ring).
    private let rowCounts: [Int]
    /// Per layer: where its keys start within a slot, in halves.
    private let layerOffsets: [Int]
    private let slotStride: Int
    private let base: UnsafeMutableRawPointer
    private let byteCount: Int

    /// - Parameters:
    ///   - slidingWindows: per layer, the window of a sliding layer (nil: full attention);
    ///     empty means every layer is full.
    ///   - maxBatchTokens: most tokens of one slot written in one step before attention runs.
    init(slotCount: Int, layerCount: Int, capacity: Int, kvDimension: Int,
         slidingWindows: [Int?] = [], maxBatchTokens: Int = 1) throws(EngineError) {
        self.slotCount = slotCount
        self.layerCount = layerCount
        self.capacity = capacity
        self.kvDimension = kvDimension
        var rings: [Int?] = []
        var rows: [Int] = []
        var offsets: [Int] = []
        var offset = 0
        var overhang: Int?
        for layer in 0..<layerCount {
            let window = layer < slidingWindows.count ? slidingWindows[layer] : nil
            // A ring only pays when it is shorter than the context.
            let ring = window.map { $0 + max(1, maxBatchTokens) - 1 }.flatMap { 2 * $0 < capacity ? $0 : nil }
            rings.append(ring)
            if let ring, let window { overhang = min(overhang ?? .max, ring - window) }
            let count = ring.map { 2 * $0 } ?? capacity
            rows.append(count)
            offsets.append(offset)
            let (layerHalves, overflow) = (2 * kvDimension).multipliedReportingOverflow(by: count)
            guard !overflow else { throw .invalidRequest("KV cache size overflows") }
            offset += layerHalves
        }
        ringLengths = rings
        reuseOverhang = overhang
        rowCounts = rows
        layerOffsets = offsets
        slotStride = offset
        let (elements, overflow) = slotCount.multipliedReportingOverflow(by: offset)
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

    /// Keys of `layer` for `slot`: rows of `kvDimension` halves (see `rows(for:layer:)`).
    func keys(slot: Int, layer: Int) -> UnsafeMutablePointer<UInt16> {
        base.assumingMemoryBound(to: UInt16.self) + slot * slotStride + layerOffsets[layer]
    }

    func values(slot: Int, layer: Int) -> UnsafeMutablePointer<UInt16> {
        keys(slot: slot, layer: layer) + rowCounts[layer] * kvDimension
    }

    /// The rows `position`'s key and value go to: one for a full layer, two for a ring.
    func rows(for position: Int, layer: Int) -> (Int, Int?) {
        guard let ring = ringLengths[layer] else { return (position, nil) }
        let row = position % ring
        return (row, row + ring)
    }

    /// The row holding `first`, from which positions `first...` follow contiguously (a ring
    /// holds any run of up to `ring` positions contiguously from there).
    func firstRow(of first: Int, layer: Int) -> Int {
        guard let ring = ringLengths[layer] else { return first }
        return first % ring
    }

    /// Returns the slot's pages to the OS (their contents become zeros).
    func release(slot: Int) {
        let start = base + slot * slotStride * MemoryLayout<UInt16>.stride
        madvise(start, slotStride * MemoryLayout<UInt16>.stride, Int32(MADV_DONTNEED))
    }
}
