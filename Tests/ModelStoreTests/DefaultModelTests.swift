import Crypto
import Foundation
import ModelStore
import Testing

/// In CI the test command pulls the real model before the tests (scripts/test.sh):
/// it must be at the default location with the pinned digest.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CI"] != nil, "runs in CI, after `switchyard pull`"))
struct DefaultModelTests {
    @Test func theDefaultModelIsStoredAndIntact() async throws {
        let store = ModelStore(home: nil, wheelSource: LocalWheelSource(directory: URL(fileURLWithPath: "/nonexistent")))
        let entry = try #require(store.catalog.entry(named: ModelStore.defaultModelName))
        let path = try #require(store.resolve(ModelStore.defaultModelName), "run `switchyard pull` first")
        #expect(path.lastPathComponent == "SmolLM2-135M-Instruct.Q4_1.gguf")
        #expect(path.deletingLastPathComponent().lastPathComponent == "models")

        // An independent whole-file digest, not the store's streaming one.
        let digest = SHA256.hash(data: try Data(contentsOf: path, options: .mappedIfSafe))
        #expect(digest.map { String(format: "%02x", $0) }.joined() == entry.sha256)

        let verified = try await store.pullModel(ModelStore.defaultModelName, verify: true)
        #expect(verified.origin == .alreadyPresent)
        #expect(verified.sha256 == entry.sha256)
    }
}
