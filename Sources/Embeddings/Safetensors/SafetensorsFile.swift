import Foundation
import GGUF

/// A memory-mapped safetensors file (Hugging Face's format: an 8-byte little-endian header
/// length, a JSON header naming each tensor's dtype, shape and byte range, then the data).
///
/// Every header entry is checked when the file opens (known dtype, non-negative shape, byte
/// range inside the file and matching the shape), so a truncated or corrupt file fails here
/// with its name and the tensor at fault, never later inside a kernel.
public final class SafetensorsFile: Sendable {
    /// The largest header accepted (the reference implementation's limit).
    static let maximumHeaderBytes = 100 << 20

    public let path: String
    /// The tensors by name.
    public let tensors: [String: SafetensorsTensor]
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    private let mapping: MappedFile

    public init(path: String) throws(EmbeddingsError) {
        self.path = path
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw .badSafetensors(path: path, reason: error.description)
        }
        let bytes = mapping.bytes
        guard bytes.count >= 8 else {
            throw .badSafetensors(path: path, reason: "\(bytes.count) bytes is too short for the 8-byte header length")
        }
        let declaredLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declaredLength <= UInt64(Self.maximumHeaderBytes) else {
            throw .badSafetensors(path: path, reason: "header length \(declaredLength) is over the \(Self.maximumHeaderBytes)-byte limit (not a safetensors file?)")
        }
        let headerLength = Int(declaredLength)
        guard headerLength <= Self.maximumHeaderBytes else {
            throw .badSafetensors(path: path, reason: "header length \(headerLength) is over the \(Self.maximumHeaderBytes)-byte limit (not a safetensors file?)")
        }
        guard 8 + headerLength <= bytes.count else {
            throw .badSafetensors(path: path, reason: "header of \(headerLength) bytes runs past the end of the \(bytes.count)-byte file")
        }
        let headerData = Data(bytes[8..<(8 + headerLength)])
        let header: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
                throw EmbeddingsError.badSafetensors(path: path, reason: "the header is not a JSON object")
            }
            header = object
        } catch let error as EmbeddingsError {
            throw error
        } catch {
            throw .badSafetensors(path: path, reason: "the header is not valid JSON (\(error.localizedDescription))")
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        var tensors: [String: SafetensorsTensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (key, entry) in value as? [String: Any] ?? [:] {
                    if let text = entry as? String { metadata[key] = text }
                }
                continue
            }
            tensors[name] = try Self.tensor(
                name: name, entry: value, bytes: bytes, dataStart: dataStart, dataLength: dataLength, path: path)
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    private static func tensor(
        name: String, entry: Any, bytes: UnsafeRawBufferPointer, dataStart: Int, dataLength: Int, path: String
    ) throws(EmbeddingsError) -> SafetensorsTensor {
        func bad(_ reason: String) -> EmbeddingsError { .badSafetensors(path: path, reason: "tensor '\(name)' \(reason)") }
        guard let fields = entry as? [String: Any] else { throw bad("has no dtype/shape/data_offsets object") }
        guard let typeName = fields["dtype"] as? String else { throw bad("has no dtype") }
        guard let dtype = SafetensorsDType(rawValue: typeName) else { throw bad("has an unknown dtype '\(typeName)'") }
        guard let shapeValues = fields["shape"] as? [Any] else { throw bad("has no shape") }
        var shape: [Int] = []
        var elements = 1
        for value in shapeValues {
            guard let dimension = (value as? NSNumber)?.intValue, dimension >= 0 else {
                throw bad("has an invalid shape \(shapeValues)")
            }
            shape.append(dimension)
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw bad("has a shape too large to address \(shapeValues)") }
            elements = product
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
            let begin = (offsets[0] as? NSNumber)?.intValue, let end = (offsets[1] as? NSNumber)?.intValue,
            begin >= 0, end >= begin
        else { throw bad("has invalid data_offsets") }
        guard end <= dataLength else {
            throw bad("ends at data byte \(end), past the \(dataLength) data bytes in the file: the file is truncated or corrupt")
        }
        let (byteCount, overflow) = elements.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow, byteCount == end - begin else {
            throw bad("has \(end - begin) bytes for shape \(shape) of \(dtype.rawValue) (\(elements) elements × \(dtype.byteCount) bytes)")
        }
        let view = UnsafeRawBufferPointer(rebasing: bytes[(dataStart + begin)..<(dataStart + end)])
        return SafetensorsTensor(name: name, dtype: dtype, shape: shape, bytes: view)
    }

    /// The tensor `name`, which must exist with shape `shape`.
    public func tensor(_ name: String, shape: [Int]) throws(EmbeddingsError) -> SafetensorsTensor {
        guard let tensor = tensors[name] else { throw .badTensor(name: name, reason: "is missing from \(path)") }
        guard tensor.shape == shape else {
            throw .badTensor(name: name, reason: "has shape \(tensor.shape), expected \(shape)")
        }
        return tensor
    }
}
