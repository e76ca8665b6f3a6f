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

    public static var gemma3Directory: URL { sharedDirectory.appendingPathComponent("fixtures/gemma3-270m") }

    /// The real Gemma 3 270M file: `$SWITCHYARD_TEST_GEMMA_MODEL`, else the pulled location
    /// (`switchyard pull gemma3-270m`, which scripts/test.sh runs).
    public static var gemma3ModelPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SWITCHYARD_TEST_GEMMA_MODEL"] { return path }
        let home = environment["SWITCHYARD_HOME"]
            ?? (environment["HOME"] ?? "/root") + "/.cache/switchyard"
        return home + "/models/gemma-3-270m-q4_k_m.gguf"
    }

    /// Whether the Gemma 3 file is present: its tests skip when it is not.
    public static var gemma3Available: Bool { FileManager.default.fileExists(atPath: gemma3ModelPath) }

    /// Reads and parses a JSON fixture of Gemma 3 270M.
    public static func gemma3JSON(_ relativePath: String) throws -> Any {
        let data = try Data(contentsOf: gemma3Directory.appendingPathComponent(relativePath))
        return try JSONSerialization.jsonObject(with: data)
    }

    /// Reads and parses a JSON fixture.
    public static func json(_ relativePath: String) throws -> Any {
        let data = try Data(contentsOf: smolLM2Directory.appendingPathComponent(relativePath))
        return try JSONSerialization.jsonObject(with: data)
    }
}
