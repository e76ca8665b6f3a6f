#if arch(x86_64)
/// Q4_K weights repacked at load into tiles of 8 rows, the layout `AVX2Q4KTiles` multiplies
/// (llama.cpp repacks the same matrices, into its own `block_q4_Kx8`; this layout is ours).
///
/// Per tile and super-block one record of `recordBytes`:
/// - `d[8]`, `dmin[8]`: the rows' scales as Float (the exact values of the fp16 fields);
/// - per pair `p` of sub-blocks (2p, 2p+1), int16 lanes for `_mm256_madd_epi16`: the scales of
///   sub-block 2p (lanes 2r and 2r+1 both row r's), then of sub-block 2p+1, then the mins
///   (lane 2r: row r's min of 2p, lane 2r+1: of 2p+1);
/// - the quants: per pair `p` and group `g` of four elements, 32 bytes holding, at 4r..<4r+4,
///   row r's bytes `qs[32p + 4g ..< 32p + 4g + 4]` (low nibbles: elements 64p + 4g…, sub-block
///   2p; high nibbles: 64p + 32 + 4g…, sub-block 2p+1). One vector of a group then multiplies
///   the same four activation bytes in all eight rows.
public enum Q4KTiles {
    public static let recordBytes = 1472
    static let dOffset = 0
    static let dminOffset = 32
    static let scaleOffset = 64
    static let minOffset = 320
    static let quantOffset = 448

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
                    record.storeBytes(of: halfToFloat(block.loadUnaligned(as: UInt16.self)),
                                      toByteOffset: dOffset + 4 * r, as: Float.self)
                    record.storeBytes(of: halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)),
                                      toByteOffset: dminOffset + 4 * r, as: Float.self)
                    for p in 0..<4 {
                        let (scaleLow, minLow) = Q4KScales.scaleAndMin(block + 4, 2 * p)
                        let (scaleHigh, minHigh) = Q4KScales.scaleAndMin(block + 4, 2 * p + 1)
                        for lane in [2 * r, 2 * r + 1] {
                            record.storeBytes(of: Int16(scaleLow), toByteOffset: scaleOffset + 64 * p + 2 * lane, as: Int16.self)
                            record.storeBytes(of: Int16(scaleHigh), toByteOffset: scaleOffset + 64 * p + 32 + 2 * lane,
                                              as: Int16.self)
                        }
                        record.storeBytes(of: Int16(minLow), toByteOffset: minOffset + 32 * p + 4 * r, as: Int16.self)
                        record.storeBytes(of: Int16(minHigh), toByteOffset: minOffset + 32 * p + 4 * r + 2, as: Int16.self)
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
