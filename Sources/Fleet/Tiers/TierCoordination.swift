/// What replicas sharing one database agree on about a tier: which one runs its wake command,
/// and when any of them last served it (`PostgresFleetStore` implements it).
public protocol TierCoordination: Sendable {
    /// Tries to become the replica that runs `tier`'s wake command: a claim held until released,
    /// or `nil` when another replica holds it. A replica that dies loses its claim with its
    /// database connection.
    func claimWake(tier: String) async throws(AccountsError) -> TierWakeClaim?

    /// This replica served `tier` now.
    func recordServed(tier: String) async throws(AccountsError)

    /// How long ago any replica last served `tier`; `nil` when none ever did.
    func idleTime(tier: String) async throws(AccountsError) -> Duration?
}

/// The right to run a tier's wake command, until `release()`.
public final class TierWakeClaim: Sendable {
    private let releaser: @Sendable () async -> Void

    public init(release: @escaping @Sendable () async -> Void) {
        self.releaser = release
    }

    public func release() async {
        await releaser()
    }
}

/// Hears when a tier serves a request (granted or finished), for the fleet's shared idle clock.
public protocol TierActivityRecorder: Sendable {
    func served()
}
