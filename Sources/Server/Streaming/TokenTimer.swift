import CoreMetrics
import Synchronization

/// Measures time to first token and the gaps between tokens of one request, into the metrics.
final class TokenTimer: Sendable {
    private let metrics: ServerMetrics.ModelMetrics
    private let start = ContinuousClock.now
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(model: String, metrics: ServerMetrics) {
        self.metrics = metrics.metrics(model: model)
    }

    func tokenArrived() {
        let now = ContinuousClock.now
        let previous = last.withLock { last in
            defer { last = now }
            return last
        }
        if let previous {
            metrics.timePerOutputToken.recordNanoseconds((now - previous).nanoseconds)
        } else {
            metrics.timeToFirstToken.recordNanoseconds((now - start).nanoseconds)
        }
    }
}
