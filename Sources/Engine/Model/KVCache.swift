#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys and values of every layer for a fixed number of sequence slots, stored as IEEE
/// half floats (as llama.cpp does), in one anonymous memory mapping.
///
/// A full-attention layer keeps one row per position of the context. A sliding-window layer
/// (gemma3) keeps only a ring of rows, position `p` in row `p % ring`, sized as llama.cpp's
/// iSWA cache sizes its SWA cells (`window + ubatch`, padded to 256), so long contexts cost
/// what llama.cpp's cache costs and the rows hold the positions its cells hold: attention
/// visits a wrapped window in the same order (see `runs(window:position:layer:)`).
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
    ///   - ringLength: rows of a sliding layer's ring; it must exceed the window by the most
    ///     tokens of one sequence a step writes.
    init(slotCount: Int, layerCount: Int, capacity: Int, kvDimension: Int,
         slidingWindows: [Int?] = [], ringLength: Int = 0) throws(EngineError) {
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
            let ring = Self.ring(window: window, capacity: capacity, ringLength: ringLength)
            rings.append(ring)
            if let ring, let window { overhang = min(overhang ?? .max, ring - window) }
            let count = ring ?? capacity
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

    /// The ring length of a layer with `window` (nil: full attention, or a ring no shorter than
    /// the context, which would not pay).
    private static func ring(window: Int?, capacity: Int, ringLength: Int) -> Int? {
        window != nil && ringLength < capacity ? ringLength : nil
    }

    /// Bytes one slot takes when every row of its context is cached (the init's arguments).
    static func bytesPerSlot(layerCount: Int, capacity: Int, kvDimension: Int, slidingWindows: [Int?], ringLength: Int) -> Int {
        (0..<layerCount).reduce(0) { bytes, layer in
            let window = layer < slidingWindows.count ? slidingWindows[layer] : nil
            let rows = ring(window: window, capacity: capacity, ringLength: ringLength) ?? capacity
            return bytes + 2 * kvDimension * rows * MemoryLayout<UInt16>.stride
        }
    }

    /// Keys of `layer` for `slot`: rows of `kvDimension` halves (see `rows(for:layer:)`).
    func keys(slot: Int, layer: Int) -> UnsafeMutablePointer<UInt16> {
        base.assumingMemoryBound(to: UInt16.self) + slot * slotStride + layerOffsets[layer]
    }

    func values(slot: Int, layer: Int) -> UnsafeMutablePointer<UInt16> {
        keys(slot: slot, layer: layer) + rowCounts[layer] * kvDimension
    }

    /// The row `position`'s key and value go to.
    func row(for position: Int, layer: Int) -> Int {
        guard let ring = ringLengths[layer] else { return position }
        return position % ring
    }

    /// How many cells llama.cpp's attention views for a sequence whose newest position is
    /// `position` (`llama_kv_cache::get_n_kv`): the highest used cell + 1, padded to 256, at
    /// most the layer's rows. Its split-KV attention cuts this view into per-thread chunks.
    func viewedCells(position: Int, layer: Int) -> Int {
        let rows = rowCounts[layer]
        let used = min(position, rows - 1) + 1
        return min(rows, max(256, (used + 255) / 256 * 256))
    }

    /// The rows holding positions `first...last`, in the order llama.cpp's cache visits its
    /// cells: one run, or for a window that wraps the ring, its start then its tail.
    func runs(first: Int, last: Int, layer: Int) -> (Range<Int>, Range<Int>) {
        guard let ring = ringLengths[layer] else { return (first..<(last + 1), 0..<0) }
        let start = first % ring, end = last % ring
        if start <= end { return (start..<(end + 1), 0..<0) }
        return (0..<(end + 1), start..<ring)
    }

    /// Returns the slot's pages to the OS (their contents become zeros).
    func release(slot: Int) {
        let start = base + slot * slotStride * MemoryLayout<UInt16>.stride
        madvise(start, slotStride * MemoryLayout<UInt16>.stride, Int32(MADV_DONTNEED))
    }
}
