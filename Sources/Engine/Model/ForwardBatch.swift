/// One token to run through the model in a batch step. Tokens of different sequences may
/// share a batch (continuous batching); tokens of one sequence appear in position order.
struct BatchToken: Sendable, Equatable {
    var token: Int
    /// Position in its sequence (0-based); its key/value land at this row of the slot's cache.
    var position: Int
    /// The KV-cache slot of its sequence.
    var slot: Int
    /// Whether the caller needs the next-token logits after this token.
    var wantsLogits: Bool
}
