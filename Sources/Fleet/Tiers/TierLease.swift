import Synchronization

/// A request's hold on an awake tier: while any lease is held the tier does not go idle.
/// Release it when the request ends (a dropped lease releases itself).
public final class TierLease: Sendable {
    /// How long this caller waited for a wake (→ `x-switchyard-wake-ms`); nil when the tier was awake.
    public let wakeDuration: Duration?
    private let onRelease: @Sendable () -> Void
    private let released = Atomic<Bool>(false)

    init(wakeDuration: Duration?, onRelease: @escaping @Sendable () -> Void) {
        self.wakeDuration = wakeDuration
        self.onRelease = onRelease
    }

    /// Ends the hold; the tier's idle timer starts when no lease is left. Idempotent.
    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        onRelease()
    }

    deinit {
        release()
    }
}
