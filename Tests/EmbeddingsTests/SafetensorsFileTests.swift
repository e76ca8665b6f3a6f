import Embeddings
import Foundation
import Testing

/// The safetensors reader on small files written here: values read back, and every kind of
/// damage refused with a message naming it.
struct SafetensorsFileTests {
    /// Writes a file of `header` (JSON text) and `data`, with `declaredLength` overriding the header length.
    private func write(header: String, data: [UInt8], declaredLength: UInt64? = nil) throws -> String {
        var bytes: [UInt8] = []
        let headerBytes = Array(header.utf8)
        withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += headerBytes + data
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    private func reason(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func readsF32F16AndBF16Tensors() throws {
        let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC0]  // 1.0, -2.0
        let bf16: [UInt8] = [0x80, 0x3F, 0x40, 0x40]  // 1.0, 3.0
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"#
            + #""b":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},"c":{"dtype":"BF16","shape":[2],"data_offsets":[20,24]}}"#
        let path = try write(header: header, data: floatBytes([1, 2, 3, 4]) + f16 + bf16)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        #expect(try file.tensor("a", shape: [2, 2]).floats() == [1, 2, 3, 4])
        #expect(try file.tensor("b", shape: [2]).floats() == [1, -2])
        #expect(try file.tensor("c", shape: [2]).floats() == [1, 3])
        #expect(reason { _ = try file.tensor("a", shape: [4]) }.contains("has shape [2, 2], expected [4]"))
        #expect(reason { _ = try file.tensor("missing", shape: [1]) }.contains("tensor 'missing': is missing from"))
    }

    @Test func refusesDamagedFiles() throws {
        let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let cases: [(String, () throws -> String)] = [
            ("truncated", { try write(header: good, data: floatBytes([1])) }),
            ("over the", { try write(header: good, data: floatBytes([1, 2]), declaredLength: 1 << 40) }),
            ("runs past the end", { try write(header: good, data: [], declaredLength: 4096) }),
            ("not valid JSON", { try write(header: "{not json", data: []) }),
            ("unknown dtype 'F7'", { try write(header: #"{"a":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])) }),
            ("has 8 bytes for shape [3]", { try write(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])) }),
            ("invalid data_offsets", { try write(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: floatBytes([1, 2])) }),
            ("invalid shape", { try write(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])) }),
        ]
        for (expected, make) in cases {
            let path = try make()
            let message = reason { _ = try SafetensorsFile(path: path) }
            #expect(message.contains(expected), "\(expected): \(message)")
            #expect(message.contains(path))
        }
        #expect(reason { _ = try SafetensorsFile(path: "/nonexistent/model.safetensors") }.contains("cannot open"))
        let tiny = try write(header: "", data: [])
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tiny))
        #expect(reason { _ = try SafetensorsFile(path: tiny) }.contains("too short"))
    }

    @Test func integerTensorsAreNotFloats() throws {
        let path = try write(header: #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        let file = try SafetensorsFile(path: path)
        #expect(reason { _ = try file.tensor("ids", shape: [1]).floats() }.contains("has type I64"))
    }
}
