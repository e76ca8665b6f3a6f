/// Receives what an upstream pool measures as it happens (the server's metrics).
public protocol UpstreamPoolObserver: Sendable {
    /// A target sent its response head `latency` after the request went out.
    func upstreamResponded(model: String, target: String, latency: Duration)
}
