/// Facts about the loaded model that clients and the server report.
public struct ModelInfo: Sendable, Equatable {
    /// `general.name` from the file, or the file name.
    public var name: String
    public var architecture: String
    public var path: String
    /// The context window this engine serves (≤ the training context).
    public var contextLength: Int
    public var trainingContextLength: Int
    public var vocabularySize: Int
    /// Hex SHA-256 of the model file.
    public var fileSHA256: String
    /// `fp_` + a digest of the file hash and the engine version: changes when either does.
    public var fingerprint: String
}

/// The engine's version, part of every `system_fingerprint`.
public enum EngineVersion {
    public static let current = "0.1.0"
}
