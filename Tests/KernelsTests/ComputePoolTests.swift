@_spi(Testing) import Kernels
import Synchronization
import Testing

@Suite struct ComputePoolTests {
    /// Runs a region and returns how often each index ran.
    private func counts(_ pool: ComputePool, _ taskCount: Int) -> [Int] {
        let counts = Mutex([Int](repeating: 0, count: taskCount))
        pool.parallelFor(taskCount) { i in counts.withLock { $0[i] += 1 } }
        return counts.withLock { $0 }
    }

    @Test(arguments: [1, 2, 4])
    func everyIndexRunsExactlyOnce(threads: Int) {
        let pool = ComputePool(threadCount: threads)
        #expect(pool.threadCount == threads)
        for taskCount in [0, 1, 2, 3, 7, 64, 1000] {
            #expect(counts(pool, taskCount) == [Int](repeating: 1, count: taskCount))
        }
    }

    @Test func manySerialRegionsReuseTheWorkers() {
        let pool = ComputePool(threadCount: 2)
        let total = Atomic<Int>(0)
        for round in 0..<500 {
            pool.parallelFor(round % 9 + 1) { i in total.add(i + 1, ordering: .relaxed) }
        }
        let expected = (0..<500).reduce(0) { sum, round in let n = round % 9 + 1; return sum + n * (n + 1) / 2 }
        #expect(total.load(ordering: .relaxed) == expected)
    }

    @Test func nestedRegionsRunSeriallyAndComplete() {
        let pool = ComputePool(threadCount: 3)
        let grid = Mutex([Int](repeating: 0, count: 8 * 5))
        pool.parallelFor(8) { outer in
            pool.parallelFor(5) { inner in grid.withLock { $0[outer * 5 + inner] += 1 } }
        }
        #expect(grid.withLock { $0 } == [Int](repeating: 1, count: 40))
    }

    @Test func parkedWorkersWakeUp() async throws {
        // No spinning: workers park on the condition variable after every region.
        let pool = ComputePool(threadCount: 3, spinMicroseconds: 0)
        for _ in 0..<20 {
            #expect(counts(pool, 16) == [Int](repeating: 1, count: 16))
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test func concurrentCallersBothComplete() async {
        let pool = ComputePool(threadCount: 2)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var ok = true
                    for _ in 0..<200 { ok = ok && counts(pool, 13) == [Int](repeating: 1, count: 13) }
                    return ok
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [true, true, true, true])
    }

    @Test func poolCanBeReleasedAndRecreated() {
        for _ in 0..<20 {
            let pool = ComputePool(threadCount: 2)
            #expect(counts(pool, 4) == [1, 1, 1, 1])
        }
    }
}

@Suite struct ComputePoolShutdownTests {
    /// Shutdown publishes region number 2^24 - 1, the same number the last region before the
    /// counter wraps carries: a worker that saw that region must still stop (it used to wait for
    /// a different region forever, so releasing the pool hung).
    @Test func shutdownAfterTheLastRegionNumberReturns() {
        let ran = Atomic<Int>(0)
        do {
            let pool = ComputePool(threadCount: 2, spinMicroseconds: 0, lastRegion: (1 << 24) - 2)
            // Two tasks that each wait for the other: the worker must take one, so it sees the region.
            let started = Atomic<Int>(0)
            pool.parallelFor(2) { _ in
                started.add(1, ordering: .sequentiallyConsistent)
                while started.load(ordering: .sequentiallyConsistent) < 2 {}
                ran.add(1, ordering: .relaxed)
            }
        }  // the pool is released here: shutdown joins the worker
        #expect(ran.load(ordering: .relaxed) == 2)
    }
}
