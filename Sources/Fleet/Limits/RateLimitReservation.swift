/// Tokens taken from a key's bucket at dispatch, to settle once the real usage is known.
public struct RateLimitReservation: Sendable, Equatable {
    public var keyID: String
    public var tokens: Int

    public init(keyID: String, tokens: Int) {
        self.keyID = keyID
        self.tokens = tokens
    }
}
