import Synchronization

/// Measures time to first token and the gaps between tokens of one request, into the metrics.
final class TokenTimer: Sendable {
    private let model: String
    private let metrics: ServerMetrics
    private let start = ContinuousClock.now
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(model: String, metrics: ServerMetrics) {
        self.model = model
        self.metrics = metrics
    }

    func tokenArrived() {
        let now = ContinuousClock.now
        let previous = last.withLock { last in
            defer { last = now }
            return last
        }
        if let previous {
            metrics.recordTimePerOutputToken(model: model, now - previous)
        } else {
            metrics.recordTimeToFirstToken(model: model, now - start)
        }
    }
}
