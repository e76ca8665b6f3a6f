import Engine
import Foundation
import Testing
import TestSupport

/// Bad model files are refused with an error naming the problem, never a crash.
@Suite struct ModelFileErrorTests {
    func temporaryCopy(prefixBytes: Int) throws -> String {
        let source = try FileHandle(forReadingFrom: URL(fileURLWithPath: SharedFixtures.modelPath))
        defer { try? source.close() }
        let data = try source.read(upToCount: prefixBytes) ?? Data()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID().uuidString).gguf").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [0, 3, 100, 4096, 2_000_000])
    func truncatedFileIsAnError(bytes: Int) throws {
        let path = try temporaryCopy(prefixBytes: bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: EngineError.self) { _ = try InferenceEngine(modelPath: path) }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: EngineError.self) { _ = try InferenceEngine(modelPath: "/nonexistent/model.gguf") }
    }
}
