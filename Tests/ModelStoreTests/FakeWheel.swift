import Crypto
import Foundation
import ModelStore
import ZIPFoundation

/// Builds small wheels (zip archives) and matching catalogue entries for tests.
enum FakeWheel {
    /// Deterministic bytes spanning several of the store's 1 MiB chunks.
    static func modelBytes(count: Int = 2_500_000) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) })
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// A catalogue entry for `contents`; `sha256` overrides the true digest.
    static func entry(for contents: Data, sha256: String? = nil) -> ModelCatalogEntry {
        ModelCatalogEntry(
            name: "tiny-test-model",
            packageName: "llm-tiny.Test",
            packageVersion: "1.0.0",
            pathInWheel: "llm_tiny_test/tiny.gguf",
            sha256: sha256 ?? Self.sha256(contents),
            byteCount: Int64(contents.count),
            fileName: "tiny.Q4_1.gguf"
        )
    }

    /// Writes `llm_tiny_test-1.0.0-py3-none-any.whl` into `directory` holding `files`
    /// (path in wheel → bytes), deflated as real wheels are.
    @discardableResult
    static func write(in directory: URL, files: [String: Data]) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("llm_tiny_test-1.0.0-py3-none-any.whl")
        let archive = try Archive(url: url, accessMode: .create)
        for (path, data) in files.sorted(by: { $0.key < $1.key }) {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<min(data.count, Int(position) + size))
            }
        }
        return url
    }
}

/// A wheel source that counts its calls, to prove a pull did or did not fetch.
final class CountingWheelSource: WheelSource, @unchecked Sendable {
    private let inner: LocalWheelSource
    private let lock = NSLock()
    private var count = 0

    init(directory: URL) {
        inner = LocalWheelSource(directory: directory)
    }

    var calls: Int { lock.withLock { count } }

    func fetchWheel(
        for entry: ModelCatalogEntry, workDirectory: URL, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> URL {
        lock.withLock { count += 1 }
        return try await inner.fetchWheel(for: entry, workDirectory: workDirectory, progress: progress)
    }
}

/// Collects progress reports from any thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [PullProgress] = []

    var reports: [PullProgress] { lock.withLock { items } }

    func record(_ progress: PullProgress) {
        lock.withLock { items.append(progress) }
    }
}
