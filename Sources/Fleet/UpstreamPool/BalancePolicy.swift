/// How a model with several upstream targets picks the one a request goes to.
public enum BalancePolicy: String, Sendable, Equatable, CaseIterable {
    /// The target with the fewest requests in flight (ties rotate): the default for a pool.
    case leastOutstanding = "least_outstanding"
    /// Each target in turn.
    case roundRobin = "round_robin"
    /// Requests whose prompts start alike go to the same target, so that its KV cache (prefix
    /// cache) is reused; rendezvous hashing, so that losing a target moves only its share.
    case prefixAffinity = "prefix_affinity"
    /// The first target that answers, in the configured order (primary and backups).
    case failover
}
