/// What to do after one attempt at an upstream target, decided before any byte of a reply went
/// to the client (once a reply is relayed, nothing is retried): a value with no I/O, so every
/// case is tested as a table.
public struct UpstreamRetryPolicy: Sendable {
    /// How one attempt ended.
    public enum Outcome: Equatable, Sendable {
        /// No response arrived.
        case failed(UpstreamFailure)
        /// A response head arrived with this status.
        case answered(status: Int)
    }

    public enum Action: Equatable, Sendable {
        /// A 2xx: relay it.
        case relay
        /// Wait, then send the same request to the same target again.
        case retrySameTarget(after: Duration)
        /// Give up on this target; the next one (if any) gets the request.
        case tryNextTarget
        /// The upstream refused the request (4xx, 500, ...): its error goes to the client.
        case passOnError
        /// The caller went away.
        case cancel
    }

    /// Retries on the same target after a connection failure.
    public var retriesPerTarget: Int
    public var retryDelay: Duration

    public init(retriesPerTarget: Int = 1, retryDelay: Duration = .milliseconds(200)) {
        self.retriesPerTarget = retriesPerTarget
        self.retryDelay = retryDelay
    }

    /// - Parameter attempt: 1 for the first try on this target.
    public func action(after outcome: Outcome, attempt: Int) -> Action {
        switch outcome {
        case .answered(let status) where (200..<300).contains(status): .relay
        // The target is overloaded, down behind its proxy, or timed out: another may serve it.
        case .answered(502), .answered(503), .answered(504): .tryNextTarget
        case .answered: .passOnError
        case .failed(.cancelled): .cancel
        case .failed(let failure) where failure.isConnectionFailure && attempt <= retriesPerTarget: .retrySameTarget(after: retryDelay)
        case .failed: .tryNextTarget
        }
    }
}
