#if arch(x86_64)
import _Builtin_intrinsics.intel

/// Q4_1 weights repacked at load into tiles of 4 rows, the layout `AVX2Q4_1Tiles` multiplies.
///
/// Per tile and block one record of `recordBytes` (80, exactly the four rows' 4 × 20 bytes):
/// - `d[4]`, `m[4]`: the rows' fp16 scales and minimums (one load and conversion for all rows);
/// - per group `j` of four bytes (0..<4), 16 bytes holding, at 4r..<4r+4, row r's bytes
///   `qs[4j ..< 4j + 4]` (low nibbles: elements 4j…4j+3 of the block, lane j of ggml's eight-lane
///   `vec_dot` sums; high nibbles: elements 16 + 4j…, lane 4 + j). The low nibbles of the first 32
///   bytes are then weight vector 0 (lanes 0 | 1) of `AVX2RowTiles`, of the next 32 vector 1
///   (lanes 2 | 3); the high nibbles vectors 2 and 3 (lanes 4 | 5, 6 | 7).
///
/// Rows past the last whole tile are not repacked: the products read them from the file's layout.
public enum Q4_1Tiles: RowTileFormat {
    @inlinable public static var recordBytes: Int { 80 }
    @inlinable public static var dOffset: Int { 0 }
    @inlinable public static var mOffset: Int { 8 }
    @inlinable public static var quantOffset: Int { 16 }

    @inlinable public static var blockBytes: Int { 20 }

    public static func place(row r: Int, block: UnsafeRawPointer, into record: UnsafeMutableRawPointer) {
        record.storeBytes(of: block.loadUnaligned(as: UInt16.self), toByteOffset: dOffset + 2 * r, as: UInt16.self)
        record.storeBytes(of: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self), toByteOffset: mOffset + 2 * r, as: UInt16.self)
        for j in 0..<4 {
            let bytes = block.loadUnaligned(fromByteOffset: 4 + 4 * j, as: UInt32.self)
            record.storeBytes(of: bytes, toByteOffset: quantOffset + 16 * j + 4 * r, as: UInt32.self)
        }
    }

    @inlinable public static var signedWeights: Bool { false }
    @inlinable public static var hasOffset: Bool { true }

    @inlinable @inline(__always)
    public static func minimums(_ record: UnsafeRawPointer) -> SIMD4<Float> {
        _mm_cvtph_ps(_mm_set_epi64x(0, record.loadUnaligned(fromByteOffset: mOffset, as: Int64.self)))
    }

    @inlinable @inline(__always)
    public static func vector(_ record: UnsafeRawPointer, _ v: Int) -> SIMD4<Int64> {
        let raw = record.loadUnaligned(fromByteOffset: quantOffset + 32 * (v & 1), as: SIMD4<Int64>.self)
        return _mm256_and_si256(v < 2 ? raw : _mm256_srli_epi16(raw, 4), _mm256_set1_epi8(0x0F))
    }
}
#endif
