import Foundation

/// Paths to ../shared (the team's fixtures) and to the real model, for tests.
public enum SharedFixtures {
    /// The package root, found from this file's location (Tests/Support/SharedFixtures.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the checkout, or `$SWITCHYARD_SHARED` where set.
    public static var sharedDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["SWITCHYARD_SHARED"] { return URL(fileURLWithPath: path) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    public static var smolLM2Directory: URL { sharedDirectory.appendingPathComponent("fixtures/smollm2") }

    /// The real SmolLM2 file: `$SWITCHYARD_TEST_MODEL`, else the default pulled location.
    /// The test command (scripts/test.sh) pulls it before the tests run.
    public static var modelPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SWITCHYARD_TEST_MODEL"] { return path }
        let home = environment["SWITCHYARD_HOME"]
            ?? (environment["HOME"] ?? "/root") + "/.cache/switchyard"
        return home + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    }

    /// The real sentence-embedding model's folder (all-MiniLM-L6-v2, as `switchyard pull
    /// all-minilm-l6-v2` stores it): `$SWITCHYARD_TEST_EMBEDDING_MODEL`, else the pulled location.
    public static var embeddingModelDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SWITCHYARD_TEST_EMBEDDING_MODEL"] { return path }
        let home = environment["SWITCHYARD_HOME"]
            ?? (environment["HOME"] ?? "/root") + "/.cache/switchyard"
        return home + "/models/all-MiniLM-L6-v2"
    }

    /// Reads and parses a JSON fixture.
    public static func json(_ relativePath: String) throws -> Any {
        let data = try Data(contentsOf: smolLM2Directory.appendingPathComponent(relativePath))
        return try JSONSerialization.jsonObject(with: data)
    }
}
