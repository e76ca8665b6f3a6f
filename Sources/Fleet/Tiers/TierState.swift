/// Where a tier is in its wake/sleep cycle: asleep → waking → awake → stopping → asleep.
public enum TierState: String, Sendable {
    case asleep, waking, awake, stopping
}
