#if arch(x86_64)
/// Q4_K weights repacked at load into tiles of 8 rows, the layout `AVX2Q4KTiles` multiplies
/// (llama.cpp repacks the same matrices, into its own `block_q4_Kx8`; this layout is ours).
///
/// Per tile and super-block one record of `recordBytes` (1184, 3% more than the rows' 8 × 144:
/// decode streams every weight once a token, so the layout stays nearly as small as the file's):
/// - `d[8]`, `dmin[8]`: the rows' fp16 scales;
/// - per pair `p` of sub-blocks (2p, 2p+1), 32 bytes: the rows' 6-bit scales of sub-block 2p
///   (row r at byte r), of 2p+1 (byte 8 + r), then the mins interleaved for `_mm256_madd_epi16`
///   (byte 16 + 2r: row r's min of 2p, 17 + 2r: of 2p+1);
/// - the quants: per pair `p` and group `g` of four elements, 32 bytes holding, at 4r..<4r+4,
///   row r's bytes `qs[32p + 4g ..< 32p + 4g + 4]` (low nibbles: elements 64p + 4g…, sub-block
///   2p; high nibbles: 64p + 32 + 4g…, sub-block 2p+1). One vector of a group then multiplies
///   the same four activation bytes in all eight rows.
public enum Q4KTiles {
    @inlinable public static var recordBytes: Int { 1184 }
    @inlinable public static var dOffset: Int { 0 }
    @inlinable public static var dminOffset: Int { 16 }
    @inlinable public static var scaleOffset: Int { 32 }
    @inlinable public static var quantOffset: Int { 160 }

    /// Bytes the repacked form of a `rows` × `256 * blocks` matrix takes (`rows` a multiple of 8).
    public static func byteCount(rows: Int, blocks: Int) -> Int { rows / 8 * blocks * recordBytes }

    /// Repacks the Q4_K matrix at `weights` (rows `rowBytes` apart, `blocks` super-blocks each,
    /// `rows` a multiple of 8) into `output` (`byteCount(rows:blocks:)` bytes).
    public static func repack(
        _ weights: UnsafeRawPointer, rowBytes: Int, rows: Int, blocks: Int, into output: UnsafeMutableRawPointer
    ) {
        for tile in 0..<(rows / 8) {
            for b in 0..<blocks {
                let record = output + (tile * blocks + b) * recordBytes
                for r in 0..<8 {
                    let block = weights + (8 * tile + r) * rowBytes + 144 * b
                    record.storeBytes(of: block.loadUnaligned(as: UInt16.self), toByteOffset: dOffset + 2 * r, as: UInt16.self)
                    record.storeBytes(of: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self),
                                      toByteOffset: dminOffset + 2 * r, as: UInt16.self)
                    for p in 0..<4 {
                        let (scaleLow, minLow) = Q4KScales.scaleAndMin(block + 4, 2 * p)
                        let (scaleHigh, minHigh) = Q4KScales.scaleAndMin(block + 4, 2 * p + 1)
                        let scales = record + scaleOffset + 32 * p
                        scales.storeBytes(of: scaleLow, toByteOffset: r, as: UInt8.self)
                        scales.storeBytes(of: scaleHigh, toByteOffset: 8 + r, as: UInt8.self)
                        scales.storeBytes(of: minLow, toByteOffset: 16 + 2 * r, as: UInt8.self)
                        scales.storeBytes(of: minHigh, toByteOffset: 17 + 2 * r, as: UInt8.self)
                        for g in 0..<8 {
                            let bytes = block.loadUnaligned(fromByteOffset: 16 + 32 * p + 4 * g, as: UInt32.self)
                            record.storeBytes(of: bytes, toByteOffset: quantOffset + 256 * p + 32 * g + 4 * r, as: UInt32.self)
                        }
                    }
                }
            }
        }
    }
}
#endif
