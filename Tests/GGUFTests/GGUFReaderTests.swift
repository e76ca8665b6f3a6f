import Foundation
import GGUF
import Testing
import TestSupport

@Suite struct GGUFReaderTests {
    static var everyType: [(String, GGUFWriter.Value)] { [
        ("a.u8", .uint8(200)), ("a.i8", .int8(-5)), ("a.u16", .uint16(60_000)), ("a.i16", .int16(-300)),
        ("a.u32", .uint32(4_000_000_000)), ("a.i32", .int32(-7)), ("a.u64", .uint64(1 << 40)), ("a.i64", .int64(-(1 << 40))),
        ("a.f32", .float32(1.5)), ("a.f64", .float64(-2.25)), ("a.bool", .bool(true)), ("a.string", .string("héllo")),
        ("a.strings", .array(elementType: 8, [.string("x"), .string("yz")])),
        ("a.ints", .array(elementType: 5, [.int32(1), .int32(-2)])),
        ("a.nested", .array(elementType: 9, [.array(elementType: 4, [.uint32(3)])])),
    ] }

    @Test func readsEveryMetadataTypeAndTensor() throws {
        let writer = GGUFWriter(metadata: Self.everyType, tensors: [
            .f32("weights", shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8]),
            .f32("bias", shape: [3], values: [9, 10, 11]),
        ])
        let path = try writer.write()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        #expect(file.version == 3)
        #expect(file.metadata.keys == Self.everyType.map(\.0))
        #expect(try file.metadata.int("a.u8") == 200)
        #expect(try file.metadata.int("a.i8") == -5)
        #expect(try file.metadata.int("a.u32") == 4_000_000_000)
        #expect(try file.metadata.int("a.i64") == -(1 << 40))
        #expect(try file.metadata.double("a.f32") == 1.5)
        #expect(try file.metadata.double("a.f64") == -2.25)
        #expect(file.metadata["a.bool"]?.boolValue == true)
        #expect(try file.metadata.string("a.string") == "héllo")
        #expect(try file.metadata.stringArray("a.strings") == ["x", "yz"])
        #expect(try file.metadata.intArray("a.ints") == [1, -2])
        #expect(file.metadata["a.nested"]?.arrayValues?.first?.arrayValues?.first?.intValue == 3)
        #expect(throws: GGUFError.missingKey("nope")) { try file.metadata.string("nope") }
        #expect(throws: GGUFError.self) { try file.metadata.string("a.u8") }

        let weights = try #require(file.tensor(named: "weights"))
        #expect(weights.shape == [4, 2] && weights.type == .f32 && weights.rowLength == 4 && weights.rowCount == 2)
        let bytes = file.tensorData(weights)
        #expect(bytes.count == 32)
        #expect(bytes.loadUnaligned(fromByteOffset: 28, as: Float.self) == 8)
        let bias = try #require(file.tensor(named: "bias"))
        #expect(file.tensorData(bias).loadUnaligned(fromByteOffset: 0, as: Float.self) == 9)
        #expect((file.dataOffset + bias.offset) % file.alignment == 0)
    }

    @Test func readsVersion2() throws {
        var writer = GGUFWriter(metadata: [("general.architecture", .string("llama"))])
        writer.version = 2
        let path = try writer.write()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try GGUFFile(path: path).version == 2)
    }

    func expectError(_ writer: GGUFWriter, truncatedTo: Int? = nil, matching: (GGUFError) -> Bool) throws {
        let path = try writer.write(truncatedTo: truncatedTo)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try GGUFFile(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(matching(error), "unexpected error: \(error)")
            #expect(!error.description.isEmpty)
        }
    }

    @Test func badMagicIsNamed() throws {
        var writer = GGUFWriter()
        writer.magic = 0x1234_5678
        try expectError(writer) { if case .badMagic(0x1234_5678) = $0 { true } else { false } }
    }

    @Test func unsupportedVersionIsNamed() throws {
        var writer = GGUFWriter()
        writer.version = 7
        try expectError(writer) { $0 == .unsupportedVersion(7) }
    }

    @Test(arguments: [0, 2, 7, 20, 40, 60, 90, 120])
    func truncationAnywhereIsAnError(length: Int) throws {
        let writer = GGUFWriter(metadata: [("k", .string("value")), ("arr", .array(elementType: 8, [.string("a")]))],
                                tensors: [.f32("t", shape: [8], values: Array(repeating: 1, count: 8))])
        try expectError(writer, truncatedTo: length) { error in
            switch error {
            case .truncated, .tensorOutOfBounds, .badMagic: true
            default: false
            }
        }
    }

    @Test func unknownTensorTypeIsNamed() throws {
        let writer = GGUFWriter(tensors: [GGUFWriter.Tensor(name: "odd", shape: [32], typeCode: 99, data: [])])
        try expectError(writer) { $0 == .unknownTensorType(99, tensor: "odd") }
    }

    @Test func unknownValueTypeIsNamed() throws {
        try expectError(GGUFWriter(metadata: [("weird", .rawType(42))])) { $0 == .unknownValueType(42, key: "weird") }
    }

    @Test func tensorPastTheEndIsNamed() throws {
        var tensor = GGUFWriter.Tensor.f32("t", shape: [4], values: [1, 2, 3, 4])
        tensor.offsetOverride = 1 << 20
        let writer = GGUFWriter(tensors: [tensor])
        try expectError(writer) { if case .tensorOutOfBounds(name: "t", _, _) = $0 { true } else { false } }
    }

    @Test func misalignedOrPartialBlocksAreRejected() throws {
        var tensor = GGUFWriter.Tensor.f32("t", shape: [4], values: [1, 2, 3, 4])
        tensor.offsetOverride = 4
        let misaligned = GGUFWriter(tensors: [tensor])
        try expectError(misaligned) { if case .invalidTensor(name: "t", _) = $0 { true } else { false } }
        // Q4_1 rows must be whole 32-element blocks.
        let partial = GGUFWriter(tensors: [GGUFWriter.Tensor(name: "q", shape: [33], typeCode: 3, data: Array(repeating: 0, count: 40))])
        try expectError(partial) { if case .invalidTensor(name: "q", _) = $0 { true } else { false } }
    }

    @Test func absurdCountsDoNotAllocate() throws {
        // A string length or array count larger than the file is a truncation error, not a huge allocation.
        var bytes = GGUFWriter(metadata: [("k", .string("v"))]).bytes()
        // The key's length field starts right after the 24-byte header.
        for index in 24..<32 { bytes[index] = 0xFF }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("absurd-\(UUID().uuidString).gguf").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: GGUFError.self) { _ = try GGUFFile(path: path) }
    }

    @Test func missingFileIsNamed() {
        #expect(throws: GGUFError.self) { _ = try GGUFFile(path: "/nonexistent/file.gguf") }
    }

    @Test func realModelMatchesTheFixtureFacts() throws {
        let file = try GGUFFile(path: SharedFixtures.modelPath)
        #expect(try file.metadata.string("general.architecture") == "llama")
        #expect(try file.metadata.int("llama.block_count") == 30)
        #expect(try file.metadata.int("llama.embedding_length") == 576)
        #expect(file.tensors.count == 272)
        #expect(file.tensors.filter { $0.type == .q4_1 }.count == 210)
        #expect(file.tensors.filter { $0.type == .f32 }.count == 61)
        #expect(file.tensor(named: "token_embd.weight")?.type == .q8_0)
        #expect(file.tensor(named: "token_embd.weight")?.shape == [576, 49152])
    }
}
