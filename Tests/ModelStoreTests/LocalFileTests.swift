import Foundation
import ModelStore
import Testing

/// `pull PATH`: a local GGUF file is checked and referenced in place.
@Suite struct LocalFileTests {
    let scratch: ScratchDirectory
    let store: ModelStore

    init() throws {
        scratch = try ScratchDirectory()
        store = ModelStore(home: scratch.path("home"), wheelSource: LocalWheelSource(directory: scratch.path("none")))
    }

    @Test func aValidGGUFIsReferencedWhereItIs() async throws {
        let bytes = TinyGGUF.bytes()
        let file = scratch.path("x.gguf")
        try bytes.write(to: file)

        let pulled = try await store.pullModel(file.path)
        #expect(pulled.path == file.standardizedFileURL.resolvingSymlinksInPath())
        #expect(pulled.origin == .local)
        #expect(pulled.sha256 == FakeWheel.sha256(bytes))
        #expect(pulled.byteCount == Int64(bytes.count))
        #expect(store.resolve(file.path) == pulled.path)
        #expect(!FileManager.default.fileExists(atPath: store.modelsDirectory.path), "nothing is copied into the store")
    }

    @Test func aRelativePathResolvesAgainstTheWorkingDirectory() async throws {
        let file = scratch.path("relative.gguf")
        try TinyGGUF.bytes().write(to: file)
        let cwd = FileManager.default.currentDirectoryPath
        let relative = String(repeating: "../", count: cwd.split(separator: "/").count) + String(file.path.dropFirst())
        let pulled = try await store.pull(relative)
        #expect(pulled == file.standardizedFileURL.resolvingSymlinksInPath())
    }

    @Test func aFileThatIsNotGGUFIsRejected() async throws {
        let file = scratch.path("notes.gguf")
        try Data("these are not model weights".utf8).write(to: file)

        let error = await #expect(throws: ModelStoreError.self) { try await store.pull(file.path) }
        guard case .notGGUF(let path, let reason) = error else {
            Issue.record("expected .notGGUF, got \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("notes.gguf"))
        #expect(reason.contains("magic"))
    }

    @Test func aTruncatedGGUFIsRejected() async throws {
        let file = scratch.path("cut.gguf")
        try TinyGGUF.bytes().prefix(30).write(to: file)
        let error = await #expect(throws: ModelStoreError.self) { try await store.pull(file.path) }
        guard case .notGGUF = error else {
            Issue.record("expected .notGGUF, got \(String(describing: error))")
            return
        }
    }

    @Test func aMissingPathIsReportedAsSuch() async throws {
        let file = scratch.path("absent.gguf")
        await #expect(throws: ModelStoreError.fileNotFound(path: file.standardizedFileURL.resolvingSymlinksInPath().path)) {
            try await store.pull(file.path)
        }
        #expect(store.resolve(file.path) == nil)
    }
}
