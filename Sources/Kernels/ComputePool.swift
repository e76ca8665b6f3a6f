import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Persistent worker threads for data-parallel kernels.
///
/// A decode step runs a few hundred parallel regions per token, so waking the workers must
/// cost microseconds: after a region ends they spin for `spinMicroseconds`
/// watching for the next one, then park on a condition variable so an idle server burns no CPU.
/// A region is run by one caller at a time; a call made while the pool is busy (from inside
/// a region, or from another thread) runs serially on its caller instead of waiting.
public final class ComputePool: @unchecked Sendable {
    /// Threads that run a region, the calling thread included.
    public let threadCount: Int
    let state: PoolState
    private var threads: [pthread_t] = []

    /// - Parameters:
    ///   - threadCount: threads that run a region, the caller included (at least 1).
    ///   - spinMicroseconds: how long an idle worker watches for work before parking.
    public convenience init(threadCount: Int, spinMicroseconds: Int = 1000) {
        self.init(threadCount: threadCount, spinMicroseconds: spinMicroseconds, lastRegion: 0)
    }

    /// For tests: a pool whose region counter starts at `lastRegion` (it wraps at 2^24).
    @_spi(Testing) public init(threadCount: Int, spinMicroseconds: Int, lastRegion: Int) {
        self.threadCount = max(1, threadCount)
        state = PoolState(
            workerCount: self.threadCount - 1, spinNanoseconds: UInt64(max(0, spinMicroseconds)) * 1000,
            lastRegion: UInt64(lastRegion) & ((1 << 24) - 1))
        for _ in 0..<(self.threadCount - 1) {
            let context = Unmanaged.passRetained(state).toOpaque()
            var thread = pthread_t()
            let result = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                let state = Unmanaged<PoolState>.fromOpaque(context).takeRetainedValue()
                state.workerLoop()
                return nil
            }, context)
            if result == 0 {
                threads.append(thread)
            } else {
                Unmanaged<PoolState>.fromOpaque(context).release()
            }
        }
        // Fewer workers than asked for (thread creation failed): regions still complete,
        // because the caller claims every task nobody else takes.
        state.setWorkerCount(threads.count)
    }

    deinit {
        state.shutDown()
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Runs `body(i)` for every `i` in `0..<taskCount` across the workers and the caller;
    /// returns when all are done. Tasks are claimed dynamically, so uneven ones balance.
    public func parallelFor(_ taskCount: Int, _ body: (Int) -> Void) {
        guard taskCount > 0 else { return }
        if taskCount > 1, threadCount > 1, state.acquire() {
            defer { state.release() }
            state.run(taskCount, body)
        } else {
            for i in 0..<taskCount { body(i) }
        }
    }

    /// Holds the pool for a multi-region operation and lends it a scratch buffer of at least
    /// `bytes` bytes (64-byte aligned) that stays allocated with the pool between calls.
    /// When the pool is busy the buffer is temporary and the regions run serially.
    func withScratch<R>(bytes: Int, _ body: (UnsafeMutableRawPointer, ParallelRunner) -> R) -> R {
        if state.acquire() {
            defer { state.release() }
            let scratch = state.scratch(bytes: bytes)
            return body(scratch, ParallelRunner(state: threadCount > 1 ? state : nil))
        }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
        defer { scratch.deallocate() }
        return body(scratch, ParallelRunner(state: nil))
    }
}

/// Runs a region on a held pool, or serially where none is available.
struct ParallelRunner {
    let state: PoolState?

    /// Threads a region can use (for sizing tasks).
    var width: Int { (state?.workerCount ?? 0) + 1 }

    @inline(__always)
    func callAsFunction(_ taskCount: Int, _ body: (Int) -> Void) {
        if let state, taskCount > 1 {
            state.run(taskCount, body)
        } else {
            for i in 0..<taskCount { body(i) }
        }
    }
}

/// The state the caller and the workers share.
///
/// A region is published as one 64-bit ticket: region number (24 bits), task count (20 bits)
/// and next task index (20 bits). Threads claim a task by compare-and-swap on the ticket, so a
/// worker that wakes late (or not at all) never holds the caller up: the caller waits only for
/// the tasks that were claimed to complete, and a late worker's claim fails once the region
/// moved on, so it never touches a finished region's closure.
final class PoolState: @unchecked Sendable {
    /// The most tasks one region carries; `run` splits larger loops.
    static let maximumTasks = (1 << 20) - 1
    private static let fieldMask: UInt64 = (1 << 20) - 1

    private(set) var workerCount: Int
    private let spinNanoseconds: UInt64

    private let ticket = Atomic<UInt64>(0)
    private let completed = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let busy = Atomic<Bool>(false)
    private var region: UInt64 = 0

    // Written by the caller before the ticket is published; read by a worker only after it
    // claimed a task of that region (the region cannot end before that task completes).
    private var job: ((Int) -> Void)?

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    private var scratchBuffer: UnsafeMutableRawPointer?
    private var scratchCapacity = 0

    init(workerCount: Int, spinNanoseconds: UInt64, lastRegion: UInt64 = 0) {
        self.workerCount = workerCount
        self.spinNanoseconds = spinNanoseconds
        self.region = lastRegion
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(condition)
        mutex.deallocate()
        condition.deallocate()
        scratchBuffer?.deallocate()
    }

    func setWorkerCount(_ count: Int) { workerCount = count }

    func acquire() -> Bool {
        busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    }

    func release() { busy.store(false, ordering: .releasing) }

    /// Only while acquired.
    func scratch(bytes: Int) -> UnsafeMutableRawPointer {
        if let scratchBuffer, scratchCapacity >= bytes { return scratchBuffer }
        scratchBuffer?.deallocate()
        let capacity = max(bytes, scratchCapacity * 2, 4096)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        scratchBuffer = buffer
        scratchCapacity = capacity
        return buffer
    }

    /// Runs `body` for `0..<count` on the caller and the workers. Only while acquired.
    func run(_ count: Int, _ body: (Int) -> Void) {
        guard workerCount > 0 else {
            for i in 0..<count { body(i) }
            return
        }
        var start = 0
        while start < count {
            let size = min(count - start, Self.maximumTasks)
            let offset = start
            if offset == 0 {
                runRegion(size, body)
            } else {
                runRegion(size) { body(offset + $0) }
            }
            start += size
        }
    }

    private func runRegion(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            job = body
            region = (region + 1) & ((1 << 24) - 1)
            completed.store(0, ordering: .relaxed)
            ticket.store(region << 40 | UInt64(count) << 20, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            let done = claimTasks(region: region, body)
            if done < count {
                completed.add(done, ordering: .relaxed)
                var spins = 0
                while completed.load(ordering: .acquiring) != count {
                    spins += 1
                    if spins & 0x3FF == 0 { sched_yield() }
                }
            }
            job = nil
        }
    }

    /// Claims and runs tasks of `region` until none is left; returns how many this thread ran.
    @inline(__always)
    private func claimTasks(region: UInt64, _ body: (Int) -> Void) -> Int {
        var ran = 0
        var current = ticket.load(ordering: .acquiring)
        while current >> 40 == region {
            let index = current & Self.fieldMask
            if index >= (current >> 20) & Self.fieldMask { break }
            let (exchanged, original) = ticket.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                body(Int(index))
                ran += 1
                current = ticket.load(ordering: .acquiring)
            } else {
                current = original
            }
        }
        return ran
    }

    func shutDown() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        // A region number no caller uses wakes every worker.
        ticket.store(UInt64.max, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    func workerLoop() {
        // Region 0 is the state before any region, even if this thread starts after the first one.
        var seen: UInt64 = 0
        while true {
            seen = waitForRegion(after: seen)
            if stopping.load(ordering: .acquiring) { return }
            var ran = 0
            var current = ticket.load(ordering: .acquiring)
            while current >> 40 == seen {
                let index = current & Self.fieldMask
                if index >= (current >> 20) & Self.fieldMask { break }
                let (exchanged, original) = ticket.compareExchange(
                    expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
                if exchanged {
                    // The claim keeps the region open, so `job` is this region's closure.
                    job?(Int(index))
                    ran += 1
                    current = ticket.load(ordering: .acquiring)
                } else {
                    current = original
                }
            }
            if ran > 0 { completed.add(ran, ordering: .releasing) }
        }
    }

    /// Spins, then parks, until the ticket shows a region other than `seen` or the pool stops;
    /// returns the region. Stopping is checked too: the region number shutdown writes
    /// (2^24 - 1) is also a real region's, which a worker may have just seen.
    private func waitForRegion(after seen: UInt64) -> UInt64 {
        let start = Self.now()
        var spins = 0
        while true {
            let current = ticket.load(ordering: .acquiring) >> 40
            if current != seen || stopping.load(ordering: .acquiring) { return current }
            spins += 1
            if spins & 0xFF == 0, Self.now() &- start > spinNanoseconds { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var current = ticket.load(ordering: .sequentiallyConsistent) >> 40
        while current == seen, !stopping.load(ordering: .sequentiallyConsistent) {
            pthread_cond_wait(condition, mutex)
            current = ticket.load(ordering: .sequentiallyConsistent) >> 40
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return current
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
