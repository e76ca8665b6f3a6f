extension Duration {
    /// The duration in seconds, as a `Double` (log fields, JSON, metrics).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in milliseconds, as a `Double` (headers, the usage ledger).
    public var inMilliseconds: Double { inSeconds * 1000 }
}
