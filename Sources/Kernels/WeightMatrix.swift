import KernelsAVX2

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
    /// The same Q4_K matrix repacked into 8-row tiles (`Q4KTiles`, made by `RepackedWeights`),
    /// which the AVX2 products read instead of `data`; nil when not repacked.
    public var q4KTiles: UnsafeRawPointer?
    /// The same Q6_K matrix rearranged (`Q6KRows`, made by `RepackedWeights`), which the AVX2
    /// products read instead of `data`; nil when not rearranged.
    public var q6KRows: UnsafeRawPointer?
    /// The whole 4-row tiles of the same Q4_1 or Q8_0 matrix repacked (`Q4_1Tiles`, `Q8_0Tiles`,
    /// made by `RepackedWeights`), which the AVX2 products read instead of `data` (the rows past
    /// the last whole tile still read `data`); nil when not repacked.
    public var rowTiles: UnsafeRawPointer?

    /// Rows held in `rowTiles`: the whole 4-row tiles.
    var tiledRows: Int { rows / 4 * 4 }

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

/// Owns a Q4_K matrix's repacked copy (`Q4KTiles`), a Q6_K matrix's rearranged one (`Q6KRows`)
/// or a Q4_1 or Q8_0 matrix's 4-row tiles (`Q4_1Tiles`, `Q8_0Tiles`) and hands out the matrix view
/// that uses it. Only Q4_K matrices llama.cpp also repacks are repacked (their rounding is the
/// repacked kernels'); every Q6_K matrix is rearranged and every Q4_1 and Q8_0 matrix of 4 rows or
/// more tiled (same size, same results, fewer instructions). Only where the AVX2 (or AVX-512)
/// kernels run; the 4-row tiles only where the AVX2 set runs (the AVX-512 set multiplies the
/// file's layout).
public final class RepackedWeights: @unchecked Sendable {
    // Safety: the storage is written once, in init, and only read afterwards.
    public let matrix: WeightMatrix
    private let storage: UnsafeMutableRawPointer

    /// Nil when `matrix` is neither a Q4_K matrix llama.cpp repacks nor a Q6_K one, or the AVX2
    /// kernels do not run here.
    /// - Parameter release: called as the copy grows with the part of `matrix.data` already copied
    ///   (always from its start), so a caller can drop the file's pages of it as it goes: a large
    ///   matrix then never has both forms resident at once.
    public init?(_ matrix: WeightMatrix, release: ((UnsafeRawBufferPointer) -> Void)? = nil) {
        #if arch(x86_64)
        guard KernelBackend.best.usesAVX2 else { return nil }
        let blocks = matrix.columns / 256
        let rowBytes = matrix.rowByteCount
        let rearrange = matrix.format == .q6_K && matrix.rows > 0
        let tile = (matrix.format == .q4_1 || matrix.format == .q8_0) && matrix.rows >= 4 && KernelBackend.best == .avx2
        guard rearrange || tile || (matrix.format == .q4_K && matrix.repackedInLlama && matrix.rows % 8 == 0) else {
            return nil
        }
        if tile {
            // Only the whole tiles: the rows past them stay in (and are read from) the file's pages.
            let blocks32 = matrix.columns / 32
            let layout: any RowTileFormat.Type = matrix.format == .q8_0 ? Q8_0Tiles.self : Q4_1Tiles.self
            storage = .allocate(byteCount: layout.byteCount(rows: matrix.tiledRows, blocks: blocks32), alignment: 64)
            let chunk = 512  // rows a step (a multiple of the tile's 4)
            for first in stride(from: 0, to: matrix.tiledRows, by: chunk) {
                let rows = min(chunk, matrix.tiledRows - first)
                layout.repack(matrix.data + first * rowBytes, rowBytes: rowBytes, rows: rows, blocks: blocks32,
                              into: storage + layout.byteCount(rows: first, blocks: blocks32))
                release?(UnsafeRawBufferPointer(start: matrix.data, count: (first + rows) * rowBytes))
            }
            var view = matrix
            view.rowTiles = UnsafeRawPointer(storage)
            self.matrix = view
            return
        }
        storage = .allocate(
            byteCount: rearrange
                ? Q6KRows.byteCount(rows: matrix.rows, blocks: blocks) : Q4KTiles.byteCount(rows: matrix.rows, blocks: blocks),
            alignment: 64)
        let chunk = 512  // rows a step (a multiple of Q4KTiles' 8)
        for first in stride(from: 0, to: matrix.rows, by: chunk) {
            let rows = min(chunk, matrix.rows - first)
            if rearrange {
                Q6KRows.repack(matrix.data + first * rowBytes, rowBytes: rowBytes, rows: rows, blocks: blocks,
                               into: storage + Q6KRows.byteCount(rows: first, blocks: blocks))
            } else {
                Q4KTiles.repack(matrix.data + first * rowBytes, rowBytes: rowBytes, rows: rows, blocks: blocks,
                                into: storage + Q4KTiles.byteCount(rows: first, blocks: blocks))
            }
            release?(UnsafeRawBufferPointer(start: matrix.data, count: (first + rows) * rowBytes))
        }
        var view = matrix
        if rearrange {
            view.q6KRows = UnsafeRawPointer(storage)
        } else {
            view.q4KTiles = UnsafeRawPointer(storage)
        }
        self.matrix = view
        #else
        return nil
        #endif
    }

    deinit { storage.deallocate() }
}
