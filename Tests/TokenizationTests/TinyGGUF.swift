import Foundation

/// Writes minimal GGUF v3 files holding only metadata, for tokenizer unit tests.
enum TinyGGUF {
    enum Value {
        case string(String)
        case strings([String])
        case ints([Int32])
        case uint32(UInt32)
        case bool(Bool)
    }

    /// Writes `entries` to a fresh temporary file and returns its path.
    static func write(_ entries: [(String, Value)]) throws -> String {
        var data = Data()
        func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        func string(_ value: String) {
            u64(UInt64(value.utf8.count))
            data.append(contentsOf: Array(value.utf8))
        }
        u32(0x4655_4747)
        u32(3)
        u64(0)
        u64(UInt64(entries.count))
        for (key, value) in entries {
            string(key)
            switch value {
            case .string(let text): u32(8); string(text)
            case .strings(let texts): u32(9); u32(8); u64(UInt64(texts.count)); texts.forEach(string)
            case .ints(let values): u32(9); u32(5); u64(UInt64(values.count)); values.forEach { u32(UInt32(bitPattern: $0)) }
            case .uint32(let value): u32(4); u32(value)
            case .bool(let flag): u32(7); data.append(flag ? 1 : 0)
            }
        }
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-\(UUID().uuidString).gguf").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }
}
