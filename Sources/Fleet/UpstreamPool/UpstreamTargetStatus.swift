/// One target of a pool as `/metrics` shows it.
public struct UpstreamTargetStatus: Sendable, Equatable {
    /// `host:port` (never a key or path).
    public var name: String
    public var inFlight: Int
    public var requests: Int
    public var failures: Int
    public var ejections: Int
    /// Whether it is out of rotation now (ejected or failing its health check).
    public var ejected: Bool
}
