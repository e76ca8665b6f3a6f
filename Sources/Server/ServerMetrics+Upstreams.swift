import CoreMetrics
public import Fleet

/// Per-target metrics of upstream pools.
extension ServerMetrics: UpstreamPoolObserver {
    /// `switchyard_upstream_latency_seconds{model,target}`: until the target's response head.
    public func upstreamResponded(model: String, target: String, latency: Duration) {
        CoreMetrics.Timer(
            label: "switchyard_upstream_latency_seconds", dimensions: [("model", model), ("target", target)], factory: factory
        ).recordNanoseconds(latency.nanoseconds)
    }

    /// Each target's counters, sampled when scraped: `switchyard_upstream_in_flight`,
    /// `switchyard_upstream_requests`, `switchyard_upstream_errors`, `switchyard_upstream_ejections`
    /// and `switchyard_upstream_ejected` (1 while out of rotation), labelled `model` and `target`.
    public func recordUpstreams(model: String, _ targets: [UpstreamTargetStatus]) {
        for target in targets {
            let dimensions = [("model", model), ("target", target.name)]
            let values: [(String, Double)] = [
                ("switchyard_upstream_in_flight", Double(target.inFlight)),
                ("switchyard_upstream_requests", Double(target.requests)),
                ("switchyard_upstream_errors", Double(target.failures)),
                ("switchyard_upstream_ejections", Double(target.ejections)),
                ("switchyard_upstream_ejected", target.ejected ? 1 : 0),
            ]
            for (label, value) in values {
                CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
            }
        }
    }
}
