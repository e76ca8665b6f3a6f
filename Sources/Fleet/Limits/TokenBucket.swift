import OpenAIWire

/// A continuously refilled bucket: holds up to `capacity` (a per-minute limit) and refills at
/// `capacity` per 60 seconds. The level may go below zero (debt) when tokens are reserved beyond it.
///
/// Arithmetic is kept in "per minute" form (`amount * 60 / capacity` seconds) so whole limits give
/// whole answers: 1 request of a 3 RPM limit refills in exactly 20 s.
struct TokenBucket: Sendable, Equatable {
    private(set) var capacity: Double
    private(set) var level: Double
    private(set) var updatedAt: ContinuousClock.Instant

    /// A full bucket.
    init(capacity: Int, now: ContinuousClock.Instant) {
        self.capacity = Double(capacity)
        self.level = Double(capacity)
        self.updatedAt = now
    }

    /// Adds what refilled since the last update (never beyond the capacity; an earlier `now` is ignored).
    mutating func refill(to now: ContinuousClock.Instant) {
        guard now > updatedAt else { return }
        level = min(capacity, level + (now - updatedAt).inSeconds * capacity / 60)
        updatedAt = now
    }

    /// Follows a changed limit: the level stays, cut to the new capacity.
    mutating func setCapacity(_ newCapacity: Int) {
        capacity = Double(newCapacity)
        level = min(level, capacity)
    }

    /// Takes `amount` (the level may go negative).
    mutating func take(_ amount: Double) {
        level -= amount
    }

    /// Gives back `amount`, never beyond the capacity.
    mutating func giveBack(_ amount: Double) {
        level = min(capacity, level + amount)
    }

    /// Whole units available now: floor(level), at least 0.
    var remaining: Int { max(0, Int(level.rounded(.down))) }

    /// How long until the level reaches `target` (zero when it already has).
    func timeUntil(_ target: Double) -> Duration {
        guard level < target, capacity > 0 else { return .zero }
        return Self.duration(seconds: (target - level) * 60 / capacity)
    }

    /// How long until the bucket is full again.
    var timeUntilFull: Duration { timeUntil(capacity) }

    static func duration(seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
