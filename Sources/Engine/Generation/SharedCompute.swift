import Foundation
import Kernels

/// One compute pool lent to several engines (`serve --model A --model B`): the cores are not
/// oversubscribed by a pool per model, and engines with work take turns step by step in
/// arrival order, so a busy model cannot starve another.
///
/// An engine thread holds its turn for one forward pass (a decode step or one prefill
/// chunk), then queues again behind every engine that asked meanwhile.
public final class SharedCompute: @unchecked Sendable, Equatable {
    // Safety: `nextTicket` and `serving` are only touched under `condition`'s lock.
    let pool: ComputePool
    private let condition = NSCondition()
    private var nextTicket: UInt64 = 0
    private var serving: UInt64 = 0

    /// A pool of `threadCount` threads (default: one per core).
    public init(threadCount: Int? = nil) {
        pool = ComputePool(threadCount: max(1, threadCount ?? ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Threads in the pool, the caller included.
    public var threadCount: Int { pool.threadCount }

    /// Runs `body` when every earlier caller has had its turn (FIFO ticket lock).
    func withTurn<R>(_ body: () -> R) -> R {
        condition.lock()
        let ticket = nextTicket
        nextTicket += 1
        while serving != ticket { condition.wait() }
        condition.unlock()
        defer {
            condition.lock()
            serving += 1
            condition.broadcast()
            condition.unlock()
        }
        return body()
    }

    public static func == (lhs: SharedCompute, rhs: SharedCompute) -> Bool { lhs === rhs }
}
