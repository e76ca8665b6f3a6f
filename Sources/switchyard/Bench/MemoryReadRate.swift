import Kernels

/// How fast this machine streams memory into the cores: the ceiling of any decode step that must
/// read every weight once per token. A decode rate near `bytesPerSecond / bytesPerToken` is bound
/// by memory, not by its kernels, and no kernel can beat that ceiling.
enum MemoryReadRate {
    /// Bytes per second `threads` threads read from a buffer far larger than the caches (each
    /// thread sums its own contiguous slices with 64-byte vector loads); the best of several passes
    /// over about `seconds`.
    static func bytesPerSecond(threads: Int, bufferBytes: Int = 512 << 20, seconds: Double = 1) -> Double {
        let pool = ComputePool(threadCount: threads)
        let laneBytes = MemoryLayout<SIMD8<UInt64>>.size
        let count = max(bufferBytes / laneBytes, 1)
        let buffer = UnsafeMutablePointer<SIMD8<UInt64>>.allocate(capacity: count)
        defer { buffer.deallocate() }
        // Written once, so every page is backed by memory (not the shared zero page) before timing.
        for i in 0..<count { buffer[i] = SIMD8(repeating: UInt64(i)) }
        // Slices of 1 MiB handed out dynamically keep both threads streaming to the end.
        let sliceLanes = (1 << 20) / laneBytes
        let slices = (count + sliceLanes - 1) / sliceLanes
        let sums = UnsafeMutablePointer<SIMD8<UInt64>>.allocate(capacity: slices)
        defer { sums.deallocate() }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        var best = Duration.seconds(1_000)
        repeat {
            let start = clock.now
            pool.parallelFor(slices) { slice in
                var sum = SIMD8<UInt64>()
                for i in (slice * sliceLanes)..<min((slice + 1) * sliceLanes, count) { sum &+= buffer[i] }
                sums[slice] = sum
            }
            best = min(best, clock.now - start)
        } while clock.now < deadline
        // The sums are read so the loads cannot be optimized away.
        var total = SIMD8<UInt64>()
        for slice in 0..<slices { total &+= sums[slice] }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
        return Double(count * laneBytes) / seconds + (total[0] == .max ? 1 : 0)
    }
}
