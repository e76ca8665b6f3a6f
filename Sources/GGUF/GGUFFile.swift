/// A parsed, memory-mapped GGUF file (versions 2 and 3).
///
/// Parsing reads only the header, metadata and tensor table; tensor data stays in the
/// mapping and is reached through `tensorData(_:)`. Every size and offset is checked
/// against the file's length, so a truncated or corrupt file throws instead of crashing.
public final class GGUFFile: Sendable {
    public let version: UInt32
    public let metadata: GGUFMetadata
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Byte offset of the data section in the file.
    public let dataOffset: Int
    public let file: MappedFile
    private let tensorIndex: [String: Int]

    public static let magic: UInt32 = 0x4655_4747  // "GGUF" read as little-endian

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws(GGUFError) {
        self.file = file
        var reader = GGUFReader(bytes: file.bytes)
        let magic = try reader.read(UInt32.self, "the magic number")
        guard magic == Self.magic else { throw .badMagic(found: magic) }
        version = try reader.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        let tensorCount = try reader.readCount("the tensor count", minimumBytesEach: 24)
        let metadataCount = try reader.readCount("the metadata count", minimumBytesEach: 12)

        var values: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(metadataCount)
        for _ in 0..<metadataCount {
            let key = try reader.readString("a metadata key")
            let rawType = try reader.read(UInt32.self, "the type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else { throw .unknownValueType(rawType, key: key) }
            values[key] = try reader.readValue(of: type, key: key, depth: 0)
            keys.append(key)
        }
        metadata = GGUFMetadata(values: values, keys: keys)

        let alignmentValue = values["general.alignment"]?.intValue ?? 32
        guard alignmentValue > 0, alignmentValue & (alignmentValue - 1) == 0 else {
            throw .invalidMetadata(key: "general.alignment", reason: "\(alignmentValue) is not a power of two")
        }
        alignment = alignmentValue

        var pending: [(name: String, shape: [Int], type: GGMLType, offset: Int)] = []
        pending.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try reader.readString("a tensor name")
            let dimensionCount = try reader.read(UInt32.self, "the rank of '\(name)'")
            guard (1...4).contains(dimensionCount) else {
                throw .invalidTensor(name: name, reason: "rank \(dimensionCount) (expected 1 to 4)")
            }
            var shape: [Int] = []
            for _ in 0..<dimensionCount {
                let dimension = try reader.read(UInt64.self, "the shape of '\(name)'")
                guard dimension > 0, dimension < 1 << 40 else {
                    throw .invalidTensor(name: name, reason: "dimension \(dimension)")
                }
                shape.append(Int(dimension))
            }
            let rawType = try reader.read(UInt32.self, "the type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else { throw .unknownTensorType(rawType, tensor: name) }
            let offset = try reader.read(UInt64.self, "the offset of '\(name)'")
            guard offset < 1 << 48 else { throw .invalidTensor(name: name, reason: "offset \(offset)") }
            pending.append((name, shape, type, Int(offset)))
        }

        let headerEnd = reader.position
        dataOffset = (headerEnd + alignment - 1) / alignment * alignment
        var infos: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        for tensor in pending {
            let (elements, overflow) = tensor.shape.reduce((1, false)) { partial, dimension in
                let (product, overflow) = partial.0.multipliedReportingOverflow(by: dimension)
                return (product, partial.1 || overflow)
            }
            guard !overflow, let byteCount = tensor.type.byteCount(elements: elements),
                tensor.shape[0] % tensor.type.blockSize == 0
            else {
                throw .invalidTensor(
                    name: tensor.name,
                    reason: "shape \(tensor.shape) is not a whole number of \(tensor.type.name) blocks")
            }
            guard tensor.offset % alignment == 0 else {
                throw .invalidTensor(name: tensor.name, reason: "offset \(tensor.offset) is not \(alignment)-byte aligned")
            }
            let end = dataOffset + tensor.offset + byteCount
            guard end <= file.bytes.count else {
                throw .tensorOutOfBounds(name: tensor.name, end: end, fileSize: file.bytes.count)
            }
            guard index[tensor.name] == nil else { throw .invalidTensor(name: tensor.name, reason: "duplicate name") }
            index[tensor.name] = infos.count
            infos.append(GGUFTensorInfo(
                name: tensor.name, shape: tensor.shape, type: tensor.type, offset: tensor.offset, byteCount: byteCount))
        }
        tensors = infos
        tensorIndex = index
    }

    /// Bytes of every tensor's data (the weights, for a model file).
    public var tensorByteCount: Int { tensors.reduce(0) { $0 + $1.byteCount } }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The bytes of a tensor, inside the mapping (valid as long as this file lives).
    public func tensorData(_ tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[(dataOffset + tensor.offset)..<(dataOffset + tensor.offset + tensor.byteCount)])
    }
}
