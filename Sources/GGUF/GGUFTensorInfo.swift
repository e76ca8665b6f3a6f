/// Where one tensor lives in the file and what it holds.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// Dimensions in ggml order: `shape[0]` is the row length (contiguous elements).
    public let shape: [Int]
    public let type: GGMLType
    /// Offset from the start of the data section.
    public let offset: Int
    /// Bytes the tensor occupies.
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
    /// Elements per row (the contiguous dimension).
    public var rowLength: Int { shape.first ?? 1 }
    /// Number of rows: the product of all other dimensions.
    public var rowCount: Int { shape.dropFirst().reduce(1, *) }
}
