import Foundation

/// The smallest valid GGUF v3 file: magic, version 3, no tensors, one metadata string.
enum TinyGGUF {
    static func bytes() -> Data {
        var data = Data("GGUF".utf8)
        append(UInt32(3), to: &data)  // version
        append(UInt64(0), to: &data)  // tensors
        append(UInt64(1), to: &data)  // metadata pairs
        appendString("general.architecture", to: &data)
        append(UInt32(8), to: &data)  // value type: string
        appendString("llama", to: &data)
        return data
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func appendString(_ string: String, to data: inout Data) {
        append(UInt64(string.utf8.count), to: &data)
        data.append(contentsOf: string.utf8)
    }
}
