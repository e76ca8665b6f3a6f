#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The timing loop the kernel benchmarks share: short timed batches, the fastest kept (on a
/// shared machine some batches run undisturbed).
enum BenchmarkTiming {
    /// Seconds of one `step` in the fastest batch of `repetitions` steps, batches repeated until
    /// `seconds` of wall time have passed. `clock` times each batch: a thread's CPU time
    /// (`CLOCK_THREAD_CPUTIME_ID`), which other processes do not inflate, or wall time.
    static func fastest(seconds: Double, clock: clockid_t, repetitions: Int = 1, _ step: () -> Void) -> Double {
        var best = Double.infinity
        let deadline = now(CLOCK_MONOTONIC) + seconds
        repeat {
            let start = now(clock)
            for _ in 0..<repetitions { step() }
            best = min(best, (now(clock) - start) / Double(repetitions))
        } while now(CLOCK_MONOTONIC) < deadline
        return best
    }

    static func now(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
