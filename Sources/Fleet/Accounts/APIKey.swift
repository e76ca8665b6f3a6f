import Foundation

/// A client's API key, as stored (the secret itself is never stored: only its SHA-256).
public struct APIKey: Sendable, Equatable, Codable {
    /// `key_` and 16 base62 characters: stable, safe to log and print.
    public var id: String
    /// A unique name among active keys (a person, an app, a team).
    public var name: String
    /// The secret's first 10 characters (`sy-` and 7 more), to recognise it in a list.
    public var prefix: String
    /// The public model names this key may use; nil means every model.
    public var allowedModels: [String]?
    /// Requests per minute; nil means unlimited.
    public var requestsPerMinute: Int?
    /// Prompt plus completion tokens per minute; nil means unlimited.
    public var tokensPerMinute: Int?
    /// May use the admin endpoints.
    public var isAdmin: Bool
    /// When the key was created (kept to the millisecond).
    public var createdAt: Date
    /// When the key was revoked, nil while active (kept to the millisecond).
    public var revokedAt: Date?

    public init(
        id: String, name: String, prefix: String, allowedModels: [String]? = nil,
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, isAdmin: Bool = false,
        createdAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.allowedModels = allowedModels
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.isAdmin = isAdmin
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the key is still active.
    public var isActive: Bool { revokedAt == nil }

    /// Whether the key may use `model` (a public model name; the caller resolves aliases first).
    public func allows(model: String) -> Bool {
        guard let allowedModels else { return true }
        return allowedModels.contains(model)
    }
}
