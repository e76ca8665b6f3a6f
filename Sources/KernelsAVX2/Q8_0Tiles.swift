#if arch(x86_64)
import _Builtin_intrinsics.intel

/// Q8_0 weights repacked at load into tiles of 4 rows, the layout `AVX2RowTiles` multiplies.
///
/// Per tile and block one record of `recordBytes` (136, exactly the four rows' 4 × 34 bytes):
/// - `d[4]`: the rows' fp16 scales;
/// - weight vector v (0..<4), 32 bytes: at 4r..<4r+4 row r's `qs[8v ..< 8v + 4]` (lane 2v of
///   ggml's eight-lane `vec_dot` sums), at 16 + 4r row r's `qs[8v + 4 ..< 8v + 8]` (lane 2v + 1).
///
/// Rows past the last whole tile are not repacked: products and lookups read the file's layout.
public enum Q8_0Tiles: RowTileFormat {
    @inlinable public static var recordBytes: Int { 136 }
    @inlinable public static var dOffset: Int { 0 }
    @inlinable public static var quantOffset: Int { 8 }

    @inlinable public static var blockBytes: Int { 34 }

    /// Where row `r` (of its tile)'s quant `q` (0..<32) lies in a record.
    @inline(__always)
    static func byteOffset(row r: Int, quant q: Int) -> Int {
        let lane = q / 4
        return quantOffset + 32 * (lane / 2) + 16 * (lane % 2) + 4 * r + q % 4
    }

    public static func place(row r: Int, block: UnsafeRawPointer, into record: UnsafeMutableRawPointer) {
        record.storeBytes(of: block.loadUnaligned(as: UInt16.self), toByteOffset: dOffset + 2 * r, as: UInt16.self)
        for lane in 0..<8 {
            let bytes = block.loadUnaligned(fromByteOffset: 2 + 4 * lane, as: UInt32.self)
            record.storeBytes(of: bytes, toByteOffset: byteOffset(row: r, quant: 4 * lane), as: UInt32.self)
        }
    }

    /// Writes block `b` of row `row` (below the last whole tile) back in the file's 34-byte layout.
    public static func restoreBlock(_ tiles: UnsafeRawPointer, blocks: Int, row: Int, block b: Int, into block: UnsafeMutableRawPointer) {
        let record = tiles + ((row / 4) * blocks + b) * recordBytes
        let r = row % 4
        block.storeBytes(of: record.loadUnaligned(fromByteOffset: dOffset + 2 * r, as: UInt16.self), as: UInt16.self)
        for lane in 0..<8 {
            block.storeBytes(of: record.loadUnaligned(fromByteOffset: byteOffset(row: r, quant: 4 * lane), as: UInt32.self),
                             toByteOffset: 2 + 4 * lane, as: UInt32.self)
        }
    }

    @inlinable public static var signedWeights: Bool { true }
    @inlinable public static var hasOffset: Bool { false }

    @inlinable @inline(__always)
    public static func minimums(_ record: UnsafeRawPointer) -> SIMD4<Float> { .zero }

    @inlinable @inline(__always)
    public static func vector(_ record: UnsafeRawPointer, _ v: Int) -> SIMD4<Int64> {
        record.loadUnaligned(fromByteOffset: quantOffset + 32 * v, as: SIMD4<Int64>.self)
    }
}
#endif
