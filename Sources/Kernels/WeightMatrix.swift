/// A row-major weight matrix in one of the ggml layouts: a view on memory owned elsewhere
/// (usually a memory-mapped model file), which must outlive every use of the view.
public struct WeightMatrix: @unchecked Sendable {
    public let format: WeightFormat
    public let rows: Int
    public let columns: Int
    public let data: UnsafeRawPointer
    /// Whether llama.cpp's AVX2 build would repack this matrix at load (Q4_K with a multiple of 8
    /// rows, multiplied and not looked up: `repack.cpp`), which changes its rounding. A tied
    /// output projection lives in the embedding's buffer and is not repacked: set it false there.
    public var repackedInLlama: Bool

    /// - Parameters:
    ///   - columns: elements per row; a multiple of `format.blockSize`.
    ///   - data: `rows * rowByteCount` bytes.
    public init(format: WeightFormat, rows: Int, columns: Int, data: UnsafeRawPointer) {
        self.format = format
        self.rows = rows
        self.columns = columns
        self.data = data
        self.repackedInLlama = format == .q4_K && rows % 8 == 0
    }

    /// Bytes one row occupies.
    public var rowByteCount: Int { columns / format.blockSize * format.bytesPerBlock }

    /// Start of row `row`.
    @inline(__always)
    func rowPointer(_ row: Int) -> UnsafeRawPointer { data + row * rowByteCount }
}
